"""Screenshots for evidence: the bytes that were served, rendered in Chromium.

The page's own document is fulfilled from the capture (``rules.items.Served``), so the
screenshot shows what the body in the WARC says; the page's images, styles and scripts are
fetched as a visitor's browser fetches them. A second screenshot outlines each rule hit's
text, found in the DOM; the first, untouched, is the evidence. A page that never finishes
loading is shot as it stands when the wait ends, and the manifest says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from rules.items import Served

#: Outlines every occurrence of the given strings in the page's text; returns the count.
MARK_JS = """(marks) => {
  let boxes = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const text = node.nodeValue;
    for (const mark of marks) {
      let at = text.indexOf(mark);
      while (mark && at >= 0) {
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + mark.length);
        for (const r of range.getClientRects()) {
          const box = document.createElement("div");
          box.setAttribute("data-wangjian-mark", "");
          box.style.cssText = "position:absolute;pointer-events:none;z-index:2147483647;" +
            "outline:3px solid #e00000;outline-offset:1px;background:rgba(255,0,0,.12);" +
            `left:${r.left + scrollX}px;top:${r.top + scrollY}px;` +
            `width:${r.width}px;height:${r.height}px`;
          document.body.appendChild(box);
          boxes++;
        }
        at = text.indexOf(mark, at + mark.length);
      }
    }
  }
  return boxes;
}"""

_HOP_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection"}


@dataclass
class Shot:
    png: bytes | None = None
    marked: bytes | None = None
    notes: list[str] = field(default_factory=list)


class Screenshotter:
    """One Chromium of its own, started on the first lead, a few pages at a time."""

    def __init__(self, launch: dict[str, Any], timeout_s: float, pages: int = 2) -> None:
        self.launch = launch
        self.timeout_s = timeout_s
        self._slots = asyncio.Semaphore(pages)
        self._playwright = None
        self._browser = None
        self._starting: asyncio.Lock | None = None

    async def _browser_ready(self):
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._browser is None:
                from playwright.async_api import async_playwright

                self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(**self.launch)
        return self._browser

    async def shoot(self, served: Served, encoding: str, marks: list[str]) -> Shot:
        """The page as served, and (when a mark is found) the copy with the marks outlined."""
        shot = Shot()
        try:
            browser = await self._browser_ready()
        except Exception as exc:  # noqa: BLE001 - no screenshot, said in the manifest
            shot.notes.append(f"截图失败：浏览器无法启动（{type(exc).__name__}: {exc}）")
            return shot
        async with self._slots:
            context = await browser.new_context(
                viewport={"width": 1280, "height": 900},
                locale="zh-CN",
                device_scale_factor=1,
                # The page's images and styles load from a host whose certificate may not
                # verify, as its document did (pipelines.tls says whether it did).
                ignore_https_errors=True,
            )
            try:
                await self._render(context, served, encoding, marks, shot)
            except Exception as exc:  # noqa: BLE001 - the lead is kept without a screenshot
                shot.notes.append(f"截图失败：{type(exc).__name__}: {str(exc).splitlines()[0]}")
            finally:
                await context.close()
        return shot

    async def _render(self, context, served: Served, encoding: str, marks, shot: Shot) -> None:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        headers = {k: v for k, v in served.response_headers if k.lower() not in _HOP_HEADERS}
        content_type = served.header("Content-Type") or "text/html"
        if "charset" not in content_type.lower() and encoding not in ("binary", ""):
            content_type = f"{content_type}; charset={encoding}"
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = content_type

        async def from_capture(route, request) -> None:
            if request.is_navigation_request() and request.url == served.url:
                await route.fulfill(status=served.status, headers=headers, body=served.body)
            else:
                await route.continue_()

        page = await context.new_page()
        await page.route("**/*", from_capture)
        try:
            await page.goto(served.url, wait_until="load", timeout=self.timeout_s * 1000)
        except PlaywrightTimeout:
            shot.notes.append(f"页面在 {self.timeout_s:g} 秒内未加载完毕：按当时显示的内容截图")
        shot.png = await page.screenshot(full_page=True, timeout=self.timeout_s * 1000)
        found = await page.evaluate(MARK_JS, [m for m in dict.fromkeys(marks) if m])
        if found:
            shot.marked = await page.screenshot(full_page=True, timeout=self.timeout_s * 1000)
        elif marks:
            shot.notes.append("命中文字未在页面上找到（可能在脚本或属性中），未生成标注截图")

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
