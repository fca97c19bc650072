// The live preview's side in the browser (served by `gazette serve`, never part of the site):
// listens for rebuilds, reloads the page when it changed, shows errors over the page, and
// offers the print PDF on demand.
"use strict";
(function () {
  var me = document.currentScript;
  var path = me.getAttribute("data-path") || location.pathname;
  var hash = me.getAttribute("data-hash") || "";
  var api = "/_gazette/";

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = api + "preview.css";
  document.head.appendChild(css);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  var bar = el("div", "gz-bar");
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "预览工具栏");
  var status = el("span", "gz-status", "预览");
  var pdfButton = el("button", "gz-pdf-button", "生成印刷版 PDF");
  pdfButton.type = "button";
  var pdfStatus = el("span", "gz-pdf-status");
  pdfStatus.setAttribute("role", "status");
  bar.appendChild(status);
  bar.appendChild(pdfButton);
  bar.appendChild(pdfStatus);

  // The print PDF beside the page: the notice just saved, laid out alone (本篇预览), until
  // the whole issue's PDF, rebuilt in the background, is ready (整期印刷版).
  var panel = el("aside", "gz-pdf-panel");
  panel.setAttribute("aria-label", "印刷版预览");
  panel.hidden = true;
  var panelHead = el("div", "gz-pdf-head");
  var panelLabel = el("strong", "gz-pdf-label");
  var panelHide = el("button", "gz-pdf-hide", "收起");
  panelHide.type = "button";
  var panelNote = el("p", "gz-pdf-note");
  var panelOpen = el("a", "gz-pdf-open", "在新窗口打开");
  panelOpen.target = "_blank";
  var frame = el("iframe", "gz-pdf-frame");
  frame.title = "印刷版预览";
  panelHead.appendChild(panelLabel);
  panelHead.appendChild(panelOpen);
  panelHead.appendChild(panelHide);
  panel.appendChild(panelHead);
  panel.appendChild(panelNote);
  panel.appendChild(frame);
  var panelButton = el("button", "gz-pdf-show", "印刷版预览");
  panelButton.type = "button";
  panelButton.hidden = true;
  bar.appendChild(panelButton);
  var hidden = sessionStorage.getItem("gz-pdf-panel") === "hidden";
  var view = null;

  function showView(next) {
    view = next;
    var show = !!(view && view.url) && !hidden;
    panelButton.hidden = !(view && view.url) || !hidden;
    panel.hidden = !show;
    document.documentElement.classList.toggle("gz-with-pdf", show);
    if (!view) return;
    panelLabel.textContent = view.label;
    panel.setAttribute("data-kind", view.kind);
    panelNote.textContent = view.note || "";
    if (view.url) {
      panelOpen.href = view.url;
      if (show && frame.getAttribute("src") !== view.url) frame.setAttribute("src", view.url);
    }
  }
  panelHide.addEventListener("click", function () {
    hidden = true;
    sessionStorage.setItem("gz-pdf-panel", "hidden");
    showView(view);
  });
  panelButton.addEventListener("click", function () {
    hidden = false;
    sessionStorage.removeItem("gz-pdf-panel");
    showView(view);
  });

  var overlay = el("div", "gz-overlay");
  overlay.setAttribute("role", "alertdialog");
  overlay.setAttribute("aria-labelledby", "gz-overlay-title");
  overlay.hidden = true;

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(bar);
    document.body.appendChild(overlay);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  function showErrors(errors) {
    overlay.textContent = "";
    if (!errors.length) { overlay.hidden = true; return; }
    var panel = el("div", "gz-panel");
    var title = el("h2", "gz-overlay-title", "公报有 " + errors.length + " 个错误");
    title.id = "gz-overlay-title";
    panel.appendChild(title);
    panel.appendChild(el("p", "gz-overlay-note",
      "页面显示的是上次正确生成的版本。改正并保存文件后，这里会自动更新。"));
    var list = el("ol", "gz-errors");
    errors.forEach(function (e) {
      var item = el("li", "gz-error");
      var where = e.path + (e.line ? ":" + e.line + (e.column ? ":" + e.column : "") : "");
      item.appendChild(el("code", "gz-where", where));
      item.appendChild(el("span", "gz-message", e.message));
      if (e.hint) item.appendChild(el("p", "gz-hint", "提示：" + e.hint));
      list.appendChild(item);
    });
    panel.appendChild(list);
    var close = el("button", "gz-close", "暂时隐藏");
    close.type = "button";
    close.addEventListener("click", function () { overlay.hidden = true; });
    panel.appendChild(close);
    overlay.appendChild(panel);
    overlay.hidden = false;
  }

  function showPdf(pdf) {
    pdfStatus.textContent = "";
    pdfButton.disabled = pdf.state === "running";
    if (pdf.state === "running") {
      pdfStatus.textContent = pdf.message;
    } else if (pdf.state === "ready" && pdf.url) {
      pdfStatus.appendChild(document.createTextNode(pdf.message + " "));
      var link = el("a", "gz-pdf-link", "打开 PDF");
      link.href = pdf.url;
      link.target = "_blank";
      pdfStatus.appendChild(link);
    } else if (pdf.state === "failed") {
      pdfStatus.textContent = pdf.message;
    }
  }

  pdfButton.addEventListener("click", function () {
    pdfButton.disabled = true;
    pdfStatus.textContent = "正在生成 PDF……";
    fetch(api + "pdf?path=" + encodeURIComponent(path), { method: "POST" })
      .then(function (r) { return r.json(); }).then(function (pdf) {
        hidden = false;
        sessionStorage.removeItem("gz-pdf-panel");
        showPdf(pdf);
      })
      .catch(function () { pdfStatus.textContent = "无法连接预览服务器"; pdfButton.disabled = false; });
  });

  var source = new EventSource(api + "events?path=" + encodeURIComponent(path) +
                               "&hash=" + encodeURIComponent(hash));
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (state.reload) { source.close(); location.reload(); return; }
    status.textContent = state.errors.length ? "预览（有错误）" : "预览";
    showErrors(state.errors);
    showPdf(state.pdf);
    showView(state.view);
  };
  source.onerror = function () { status.textContent = "预览（正在重新连接……）"; };
  source.onopen = function () { status.textContent = "预览"; };
})();
