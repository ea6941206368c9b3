/// The console's one HTML page: the frame every view is drawn into by the scripts.
enum ConsolePage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Echo console</title>
      <link rel="icon" href="/console/icon.svg" type="image/svg+xml">
      <link rel="stylesheet" href="/console/console.css">
      <script src="/console/core.js" defer></script>
      <script src="/console/views.js" defer></script>
      <script src="/console/inspection.js" defer></script>
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header class="bar">
        <a class="brand" href="#/" aria-label="Echo console, overview">
          <img src="/console/icon.svg" alt="" role="presentation" width="28" height="28"> Echo
        </a>
        <nav aria-label="Pages" id="nav" hidden>
          <a href="#/" data-page="overview">Overview</a>
          <a href="#/inspect" data-page="inspect">Inspect</a>
          <a href="#/runs" data-page="runs">Runs</a>
        </nav>
        <div class="who" id="who" hidden>
          <span class="badge" id="access-badge"></span>
          <button type="button" id="sign-out" class="quiet">Sign out</button>
        </div>
      </header>
      <div id="messages" class="messages" role="alert" aria-live="assertive"></div>
      <main id="main" tabindex="-1">
        <section id="sign-in" class="panel narrow" hidden aria-labelledby="sign-in-title">
          <h1 id="sign-in-title">Sign in</h1>
          <p>Paste an API token of this Echo service. It is kept in this browser tab only (session storage) and sent with every request.</p>
          <form id="sign-in-form" novalidate>
            <label for="token">API token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
          </form>
        </section>
        <div id="view"></div>
      </main>
      <dialog id="confirm" aria-labelledby="confirm-title">
        <form method="dialog">
          <h2 id="confirm-title">Are you sure?</h2>
          <p id="confirm-text"></p>
          <div class="actions">
            <button value="cancel" class="quiet" id="confirm-cancel">Cancel</button>
            <button value="ok" class="danger" id="confirm-ok">Confirm</button>
          </div>
        </form>
      </dialog>
      <noscript><p class="panel">The Echo console needs JavaScript. The API is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
    </body>
    </html>
    """#

    /// The console's icon: an echo of rings.
    static let icon = #"""
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#12355b"/><circle cx="16" cy="16" r="4" fill="#ffd23f"/><circle cx="16" cy="16" r="8.5" fill="none" stroke="#ffd23f" stroke-width="2" opacity=".7"/><circle cx="16" cy="16" r="13" fill="none" stroke="#ffd23f" stroke-width="2" opacity=".4"/></svg>
    """#
}
