"""The SLA report in a real browser: the tables and the charts show, the CSV downloads, and
the page runs under the strict Content-Security-Policy without a single violation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.sla.tests.report_data import K, ReportData, tokyo
from kizuna.test import PASSWORD, Personas

pytestmark = pytest.mark.django_db(transaction=True)
M = timedelta(minutes=1)


class Data(ReportData, Personas):
    pass


def test_the_report_shows_tables_and_charts_without_violations(page, live_server):
    data = Data()
    data.make_personas()
    get_user_model().objects.create_user("mori", "mori@kizuna.example", PASSWORD, is_staff=True)
    high = data.make_policy("Gold")
    hostile = data.organization("<script>alert(1)</script>")
    ticket = data.ticket_for(hostile, assignee=data.agent)
    for day, late in ((3, -30 * M), (4, 0 * M), (5, -M), (6, 45 * M)):
        data.deadline(ticket, due=tokyo(2025, 3, day, 12), late=late, policy=high)
    data.deadline(ticket, K.PROMISE, due=tokyo(2025, 3, 7, 17), late=-M, created_by=data.agent)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    desk_sign_in(page, live_server, "mori")
    page.click("nav.topnav a[href='/desk/reports/service-levels/']")
    page.wait_for_url(re.compile(r"/desk/reports/service-levels/$"))
    page.fill("input[name=from]", "2025-03-01")
    page.fill("input[name=to]", "2025-04-01")
    page.select_option("select[name=group]", "organization")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"group=organization"))

    table = page.locator("#report-first_response table")
    row = table.locator("tbody tr", has_text="<script>alert(1)</script>")
    assert row.locator("td").all_inner_texts()[:5] == ["4", "3", "1", "0", "75.0 %"]
    chart = page.locator("#report-first_response .chart img")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    # The picture was drawn: the browser decoded the SVG and knows its size.
    assert page.evaluate("(img) => img.complete && img.naturalWidth", chart.element_handle()) == 800
    weeks = page.locator("#chart-weeks img")
    assert weeks.is_visible()
    assert page.evaluate("(img) => img.naturalHeight", weeks.element_handle()) == 360
    assert page.locator("#report-promise tbody tr").count() == 1
    assert page.evaluate("document.querySelectorAll('style, [style], svg').length") == 0
    assert dialogs == []

    with page.expect_download() as info:
        page.click("a[href*='format=csv']")
    download = info.value
    assert download.suggested_filename == "sla-report-organization-2025-03-01-2025-04-01.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("from,to,group,id,name,kind,due,met_on_time")
    assert "<script>alert(1)</script>,first_response,4,3,1,0,75.0,45" in text


def test_bad_dates_show_the_reason(page, live_server):
    Personas().make_personas()
    get_user_model().objects.create_user("mori", "mori@kizuna.example", PASSWORD, is_staff=True)
    desk_sign_in(page, live_server, "mori")
    response = page.goto(
        f"{live_server.url}/desk/reports/service-levels/?from=2025-03-10&to=2025-03-01"
    )
    assert response.status == 400
    assert page.locator("form.filters .error").is_visible()
    assert page.locator("table").count() == 0


def test_the_same_chart_inline_in_the_page_would_be_refused(browser, live_server):
    """Why the charts are pictures: pygal's SVG carries a stylesheet, which the policy refuses
    in the page itself (while a picture keeps it to itself)."""
    from kizuna.conftest import CspWatch

    data = Data()
    data.make_personas()
    get_user_model().objects.create_user("mori", "mori@kizuna.example", PASSWORD, is_staff=True)
    data.deadline(data.ticket_for(), due=tokyo(2025, 3, 3, 12), late=-M)
    watch = CspWatch()
    context = watch.watch(browser.new_context(locale="en-GB"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "mori")
    page.goto(f"{live_server.url}/desk/reports/service-levels/?from=2025-03-01&to=2025-04-01")
    page.wait_for_function("document.querySelector('.chart img').complete")
    watch.sync()
    assert watch.violations == []
    page.evaluate(
        """() => {
            const img = document.querySelector("#report-first_response .chart img");
            const bytes = Uint8Array.from(atob(img.src.split(",")[1]), (c) => c.charCodeAt(0));
            const holder = document.createElement("div");
            holder.innerHTML = new TextDecoder().decode(bytes);
            document.body.append(holder);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    watch.sync()
    assert "style-src-elem" in {v.get("directive") for v in watch.violations}
    context.close()
