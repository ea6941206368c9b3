/// The console's core script: the API client (bearer token, the API's errors as
/// messages), sign-in, the hash router, and DOM helpers that never parse markup (names,
/// metadata and messages from the store are text, never HTML).
enum ConsoleCoreScript {
    static let js = #"""
    "use strict";
    const Echo = window.Echo = { views: {}, session: null };

    // ---- DOM helpers ---------------------------------------------------------------
    Echo.el = function (tag, attributes, ...children) {
      const node = document.createElement(tag);
      for (const [key, value] of Object.entries(attributes || {})) {
        if (value === null || value === undefined || value === false) continue;
        if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else if (key === "text") node.textContent = value;
        else node.setAttribute(key, value === true ? "" : String(value));
      }
      for (const child of children.flat()) {
        if (child === null || child === undefined || child === false) continue;
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
      return node;
    };
    const el = Echo.el;

    Echo.format = {
      score: (value) => value === null || value === undefined ? "—" : Number(value).toFixed(3),
      percent: (value) => value === null || value === undefined ? "—" : (100 * value).toFixed(1) + " %",
      time: (text) => {
        if (!text) return "—";
        const date = new Date(text), two = (n) => String(n).padStart(2, "0");
        if (isNaN(date)) return text;
        return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " + two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds());
      },
      name: (path) => String(path || "").split("/").pop(),
    };

    /// JSON with every character past ASCII escaped (\uXXXX), as an HTTP header value must be.
    Echo.asciiJSON = (value) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));

    /// A strip of labelled figures: [[label, value, field name or null], ...].
    Echo.facts = (rows) => el("dl", { class: "facts" }, rows.map(([label, value, field]) =>
      el("div", {}, el("dt", {}, label), el("dd", field ? { "data-field": field } : {}, value))));

    /// What people call a golden sample: the file name it was uploaded as, else its stored name.
    Echo.sampleName = (reference) => (reference.metadata && reference.metadata.filename) || Echo.format.name(reference.sourcePath);

    Echo.verdictBadge = (verdict) => el("span", { class: "badge verdict-" + verdict, "data-verdict": verdict }, verdict);

    // ---- messages --------------------------------------------------------------------
    Echo.clearMessages = () => document.getElementById("messages").replaceChildren();
    Echo.showMessage = function (text, kind) {
      const box = el("div", { class: "message " + (kind || "error"), "data-kind": kind || "error" },
        el("span", { class: "text" }, text),
        el("button", { type: "button", class: "quiet", "aria-label": "Dismiss message", onclick: (event) => event.target.closest(".message").remove() }, "×"));
      document.getElementById("messages").append(box);
      return box;
    };
    /// An error for people: the API's own message (and code), or what failed on the way.
    Echo.showError = function (error) {
      if (error && error.code) return Echo.showMessage(error.message + " (" + error.code + ")", "error");
      return Echo.showMessage(String(error && error.message || error), "error");
    };

    // ---- the API ---------------------------------------------------------------------
    class APIError extends Error {
      constructor(status, code, message) { super(message); this.status = status; this.code = code; }
    }
    Echo.APIError = APIError;
    Echo.token = () => sessionStorage.getItem("echo.token");

    function headers(extra) {
      const result = Object.assign({}, extra || {});
      const token = Echo.token();
      if (token) result["Authorization"] = "Bearer " + token;
      return result;
    }

    async function failure(response) {
      let code = "http_" + response.status, message = response.status + " " + response.statusText;
      try {
        const body = await response.json();
        if (body && body.error) { code = body.error.code; message = body.error.message; }
      } catch (_) { /* not JSON: keep the status line */ }
      if (response.status === 401 && Echo.session) Echo.signOut("Your token was not accepted any more; sign in again.");
      return new APIError(response.status, code, message);
    }

    /// Calls the API; the JSON answer, or throws an APIError carrying the API's message.
    Echo.api = async function (method, path, options) {
      options = options || {};
      let response;
      try {
        response = await fetch(path, { method, headers: headers(options.headers), body: options.body, cache: options.cache || "default" });
      } catch (error) {
        throw new APIError(0, "unreachable", "The Echo service cannot be reached (" + error.message + "); check the network and that echoctl serve is running.");
      }
      if (!response.ok) throw await failure(response);
      return options.raw ? response : response.json();
    };

    /// Uploads a file with upload progress (fetch has none): resolves with the JSON answer.
    Echo.upload = function (path, file, onProgress, extraHeaders) {
      return new Promise((resolve, reject) => {
        const request = new XMLHttpRequest();
        request.open("POST", path);
        for (const [name, value] of Object.entries(headers(Object.assign({ "Content-Type": file.type || "application/octet-stream" }, extraHeaders || {})))) {
          request.setRequestHeader(name, value);
        }
        request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
        request.onerror = () => reject(new APIError(0, "unreachable", "The upload of " + file.name + " was cut off; check the network and try again."));
        request.onload = () => {
          let body = null;
          try { body = JSON.parse(request.responseText); } catch (_) { /* handled below */ }
          if (request.status >= 200 && request.status < 300) { onProgress(1); resolve(body); return; }
          const error = body && body.error ? body.error : { code: "http_" + request.status, message: request.status + " " + request.statusText };
          reject(new APIError(request.status, error.code, error.message));
        };
        request.send(file);
      });
    };

    /// An image of the API as an object URL (an <img> cannot send the bearer header);
    /// the browser's HTTP cache keeps the bytes (the API sends ETags), this map the URLs.
    const imageURLs = new Map();
    Echo.imageURL = async function (path) {
      if (imageURLs.has(path)) return imageURLs.get(path);
      const response = await Echo.api("GET", path, { raw: true });
      const url = URL.createObjectURL(await response.blob());
      imageURLs.set(path, url);
      return url;
    };
    /// An <img> whose picture arrives from the API; on failure it shows the alt text.
    Echo.apiImage = function (path, alt, attributes) {
      const image = el("img", Object.assign({ alt, loading: "lazy" }, attributes || {}));
      Echo.imageURL(path).then((url) => { image.src = url; }).catch((error) => {
        image.replaceWith(el("div", { class: "placeholder muted", role: "img", "aria-label": alt, title: error.message }, "(" + (error.code || "no image") + ")"));
      });
      return image;
    };

    // ---- confirmation ----------------------------------------------------------------
    Echo.confirm = function (title, text, action) {
      const dialog = document.getElementById("confirm");
      document.getElementById("confirm-title").textContent = title;
      document.getElementById("confirm-text").textContent = text;
      document.getElementById("confirm-ok").textContent = action || "Confirm";
      return new Promise((resolve) => {
        dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
        dialog.returnValue = "cancel";
        dialog.showModal();
        document.getElementById("confirm-cancel").focus();
      });
    };

    // ---- session ---------------------------------------------------------------------
    Echo.canWrite = () => Echo.session && Echo.session.access === "read-write";

    Echo.signOut = function (why) {
      sessionStorage.removeItem("echo.token");
      Echo.session = null;
      showSignIn();
      if (why) Echo.showMessage(why, "error");
    };

    function showSignIn() {
      document.getElementById("view").replaceChildren();
      document.getElementById("nav").hidden = true;
      document.getElementById("who").hidden = true;
      document.getElementById("sign-in").hidden = false;
      document.getElementById("token").focus();
    }

    async function startSession() {
      try {
        Echo.session = await Echo.api("GET", "/v1/session", { cache: "no-store" });
      } catch (error) {
        Echo.session = null;
        if (error.status === 401) { showSignIn(); if (Echo.token()) Echo.showError(error); return false; }
        Echo.showError(error);
        return false;
      }
      document.getElementById("sign-in").hidden = true;
      document.getElementById("nav").hidden = false;
      document.getElementById("who").hidden = false;
      document.getElementById("sign-out").hidden = !Echo.session.authenticated;
      const badge = document.getElementById("access-badge");
      badge.textContent = Echo.session.authenticated ? Echo.session.access : "no auth (loopback)";
      badge.dataset.access = Echo.session.access;
      return true;
    }

    // ---- routing -----------------------------------------------------------------------
    /// The view of the hash: #/, #/category/NAME, #/inspect, #/runs, #/runs/ID.
    Echo.route = async function () {
      if (!Echo.session) return;
      const parts = location.hash.replace(/^#\/?/, "").split("?")[0].split("/").filter(Boolean).map(decodeURIComponent);
      const query = new URLSearchParams(location.hash.split("?")[1] || "");
      const page = parts[0] || "overview";
      for (const link of document.querySelectorAll("nav a")) {
        link.toggleAttribute("aria-current", link.dataset.page === (page === "category" ? "overview" : page));
        if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
      }
      const view = document.getElementById("view");
      view.replaceChildren(el("p", { class: "muted", "aria-busy": "true" }, "Loading…"));
      Echo.clearMessages();
      const render = {
        overview: () => Echo.views.overview(),
        category: () => Echo.views.category(parts[1]),
        inspect: () => Echo.views.inspect(query.get("category")),
        runs: () => parts[1] ? Echo.views.run(parts[1]) : Echo.views.runs(query.get("category")),
      }[page];
      try {
        const content = render ? await render() : el("p", {}, "No such page. ", el("a", { href: "#/" }, "Go to the overview."));
        view.replaceChildren(content);
        document.title = (view.querySelector("h1") ? view.querySelector("h1").textContent + " — " : "") + "Echo console";
      } catch (error) {
        view.replaceChildren(el("p", { class: "muted" }, "This page could not be loaded."));
        Echo.showError(error);
      }
    };

    window.addEventListener("hashchange", () => { Echo.route(); document.getElementById("main").focus({ preventScroll: true }); });
    document.addEventListener("DOMContentLoaded", async () => {
      document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
        event.preventDefault();
        const token = document.getElementById("token").value.trim();
        Echo.clearMessages();
        if (!token) { Echo.showMessage("Paste a token first.", "error"); return; }
        sessionStorage.setItem("echo.token", token);
        document.getElementById("token").value = "";
        if (await startSession()) Echo.route();
      });
      document.getElementById("sign-out").addEventListener("click", () => Echo.signOut());
      if (await startSession()) Echo.route();
    });
    """#
}
