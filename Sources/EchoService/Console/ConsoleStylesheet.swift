/// The console's stylesheet: readable at a laptop and on a 1080p line monitor, a visible
/// focus ring on every control, colours that keep their contrast (WCAG AA).
enum ConsoleStylesheet {
    static let css = #"""
    :root {
      --ink: #14212e; --muted: #4a5a6a; --paper: #f5f7fa; --card: #ffffff; --line: #d4dbe3;
      --brand: #12355b; --accent: #0b5cad; --focus: #ffb000;
      --ok: #1e7b3c; --bad: #b3261e; --warn: #8a5a00; --none: #5b6470;
      font-size: clamp(15px, 0.55vw + 9px, 20px);
    }
    * { box-sizing: border-box; }
    body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--paper); line-height: 1.45; }
    a { color: var(--accent); }
    :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
    .skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
    .skip:focus { left: .5rem; }
    .bar { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: var(--brand); color: #fff; flex-wrap: wrap; }
    .bar a { color: #fff; text-decoration: none; }
    .brand { display: flex; align-items: center; gap: .5rem; font-weight: 700; font-size: 1.25rem; }
    nav { display: flex; gap: .25rem; }
    nav a { padding: .35rem .8rem; border-radius: 6px; }
    nav a[aria-current="page"], nav a:hover { background: rgba(255,255,255,.16); }
    .who { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
    main { padding: 1.25rem 1.5rem 3rem; max-width: 1800px; margin: 0 auto; }
    main:focus { outline: none; }
    h1 { font-size: 1.6rem; margin: .2rem 0 1rem; }
    h2 { font-size: 1.2rem; margin: 1.5rem 0 .6rem; }
    h3 { font-size: 1.05rem; margin: .4rem 0; }
    .panel { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
    .narrow { max-width: 34rem; margin: 3rem auto; }
    .muted { color: var(--muted); }
    label { display: block; font-weight: 600; margin: .4rem 0 .2rem; }
    .inline label { display: inline-block; margin-right: .4rem; }
    input[type=text], input[type=password], input[type=number], input[type=search], select, textarea {
      font: inherit; padding: .45rem .6rem; border: 1px solid #8594a3; border-radius: 6px; background: #fff; color: var(--ink); min-width: 12rem; }
    input[type=password] { width: 100%; }
    button, .button { font: inherit; font-weight: 600; padding: .45rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
    button.quiet { background: transparent; color: inherit; border-color: currentColor; }
    .bar button.quiet { color: #fff; }
    button.danger { background: var(--bad); border-color: var(--bad); }
    button[disabled] { opacity: .55; cursor: not-allowed; }
    form > button, .actions { margin-top: .75rem; }
    .actions { display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; }
    .messages { max-width: 1800px; margin: 0 auto; padding: 0 1.5rem; }
    .message { margin-top: .8rem; padding: .7rem 1rem; border-radius: 8px; border: 1px solid; display: flex; gap: 1rem; align-items: start; }
    .message.error { background: #fdecea; border-color: var(--bad); color: #5f1410; }
    .message.info { background: #e8f3ea; border-color: var(--ok); color: #11401f; }
    .message button { margin-left: auto; padding: .1rem .6rem; }
    .badge { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .85rem; font-weight: 700; border: 1px solid currentColor; white-space: nowrap; }
    .bar .badge { color: #fff; }
    .verdict-normal { color: var(--ok); } .verdict-anomalous { color: var(--bad); } .verdict-uncertain { color: var(--warn); }
    .verdict-uncalibrated, .verdict-failed { color: var(--none); }
    .stale { color: var(--warn); }
    table { border-collapse: collapse; width: 100%; background: var(--card); }
    th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .9rem; color: var(--muted); }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; }
    dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; margin: 0 0 1rem; }
    dl.facts div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .8rem; }
    dl.facts dt { color: var(--muted); font-size: .85rem; } dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
    .card dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: .5rem 0; }
    .card dt { color: var(--muted); } .card dd { margin: 0; }
    .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr)); gap: .8rem; }
    .gallery figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem; }
    .gallery img { width: 100%; aspect-ratio: 1; object-fit: contain; background: #e6eaef; border-radius: 4px; display: block; }
    .gallery figcaption { font-size: .85rem; margin-top: .35rem; overflow-wrap: anywhere; }
    .chips { display: flex; flex-wrap: wrap; gap: .25rem; margin: .25rem 0; }
    .chip { font-size: .78rem; background: #e7edf4; border-radius: 4px; padding: 0 .35rem; }
    .dropzone { border: 2px dashed #7d8ea0; border-radius: 10px; padding: 1.5rem; text-align: center; background: #fbfcfd; }
    .dropzone.over { border-color: var(--accent); background: #eaf2fb; }
    .uploads { list-style: none; padding: 0; margin: .75rem 0 0; }
    .uploads li { display: grid; grid-template-columns: minmax(8rem, 1fr) 10rem minmax(10rem, 2fr); gap: .75rem; align-items: center; padding: .25rem 0; border-bottom: 1px solid var(--line); }
    progress { width: 100%; height: .9rem; }
    .result { display: grid; grid-template-columns: minmax(16rem, 30rem) 1fr; gap: 1.25rem; }
    @media (max-width: 900px) { .result { grid-template-columns: 1fr; } }
    .overlay { position: relative; display: inline-block; width: 100%; background: #222; border-radius: 6px; overflow: hidden; }
    .overlay img { display: block; width: 100%; height: auto; }
    .overlay canvas { position: absolute; inset: 0; width: 100%; height: 100%; mix-blend-mode: normal; }
    .overlay .placeholder { display: block; width: 100%; aspect-ratio: 1; background: #444; }
    .scorebar { position: relative; height: .8rem; background: #e3e8ee; border-radius: 4px; margin: .3rem 0 .1rem; }
    .scorebar span { position: absolute; top: 0; bottom: 0; left: 0; border-radius: 4px; }
    .scorebar i { position: absolute; top: -.25rem; bottom: -.25rem; width: 3px; background: var(--ink); }
    .neighbours { display: flex; gap: .6rem; flex-wrap: wrap; }
    .neighbours figure { margin: 0; width: 9rem; font-size: .85rem; }
    .neighbours figcaption { overflow-wrap: anywhere; }
    .neighbours img { width: 100%; border-radius: 4px; display: block; background: #e6eaef; }
    .review { border-left: 4px solid var(--accent); padding: .5rem .9rem; background: #eef4fb; margin: .6rem 0; }
    .review.alone { border-color: var(--warn); background: #fdf6e7; }
    .legend { display: flex; align-items: center; gap: .5rem; font-size: .85rem; }
    .legend .ramp { width: 9rem; height: .7rem; border-radius: 3px; background: linear-gradient(90deg, #1e3cdc, #00c8e6, #28c83c, #fadc00, #e61414); }
    dialog { border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem 1.5rem; max-width: 32rem; }
    dialog::backdrop { background: rgba(10, 20, 30, .45); }
    .filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; margin-bottom: 1rem; }
    .filters label { margin: 0 0 .2rem; }
    """#
}
