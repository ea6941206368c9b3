/// The console's Inspect page and the result view it shares with the Runs page: verdict,
/// score against threshold, the heatmap drawn over the image with an opacity slider, the
/// nearest normals with their similarity, the region in words, the explanation, and the
/// experts' review (marked when the vision expert decided alone).
enum ConsoleInspectionScript {
    static let js = #"""
    "use strict";
    (function () {
      const el = Echo.el, format = Echo.format;
      let resultCount = 0;

      /// Blue → cyan → green → yellow → red for a level in [0, 1] (the HTML report's ramp).
      function colour(level) {
        const stops = [[30, 60, 220], [0, 200, 230], [40, 200, 60], [250, 220, 0], [230, 20, 20]];
        const position = level * (stops.length - 1), low = Math.min(Math.floor(position), stops.length - 2), t = position - low;
        return stops[low].map((value, c) => value * (1 - t) + stops[low + 1][c] * t);
      }

      /// The anomaly map as a canvas of its grid (the browser smooths it to the image's size):
      /// yellow at the threshold, red half again above, transparent-ish blue where normal.
      Echo.heatmapCanvas = function (map, threshold) {
        const canvas = el("canvas", { width: map.width, height: map.height, "aria-hidden": "true", "data-heatmap": "true" });
        const context = canvas.getContext("2d");
        const pixels = context.createImageData(map.width, map.height);
        const peak = Math.max(...map.values);
        const scale = Math.max(threshold || peak || 1e-6, 1e-6);
        map.values.forEach((value, i) => {
          const level = Math.min(Math.max(value / (1.5 * scale), 0), 1);
          const [r, g, b] = colour(level);
          pixels.data.set([r, g, b, Math.round(255 * (0.35 + 0.65 * level))], i * 4);
        });
        context.putImageData(pixels, 0, 0);
        return canvas;
      };

      /// The image with its heatmap and an opacity slider. `source` is an object URL (a
      /// dropped file) or an API path (a recorded result's image).
      function overlayFigure(source, map, threshold, name) {
        const id = "opacity-" + (++resultCount);
        const canvas = map ? Echo.heatmapCanvas(map, threshold) : null;
        const picture = source.url ? el("img", { src: source.url, alt: "The inspected image " + name })
          : source.path ? Echo.apiImage(source.path, "The inspected image " + name)
          : el("div", { class: "placeholder", role: "img", "aria-label": "The image of " + name + " was not kept; the heatmap alone" });
        const slider = el("input", { type: "range", id, min: 0, max: 100, value: 60, "aria-describedby": id + "-value" });
        const shown = el("output", { id: id + "-value", for: id }, "60 %");
        const apply = () => { if (canvas) canvas.style.opacity = String(slider.value / 100); shown.textContent = slider.value + " %"; };
        slider.addEventListener("input", apply);
        apply();
        return el("figure", { class: "heatmap" },
          el("div", { class: "overlay" }, picture, canvas),
          map ? el("div", { class: "inline" }, el("label", { for: id }, "Heatmap opacity"), slider, " ", shown) : null,
          map ? el("div", { class: "legend" }, "normal", el("span", { class: "ramp", role: "img", "aria-label": "colour scale from blue (normal) through yellow (threshold) to red" }), "anomalous") : null,
          source.note ? el("figcaption", { class: "muted" }, source.note) : null);
      }

      function scoreLine(result) {
        const threshold = result.threshold;
        const top = Math.max(result.score, threshold || 0) * 1.25 || 1;
        const bar = el("div", { class: "scorebar", role: "img", "aria-label": "score " + format.score(result.score) + (threshold ? " against threshold " + format.score(threshold) : "") },
          el("span", {}), threshold ? el("i", {}) : null);
        // Widths are set through the CSSOM (the page's policy allows no inline style attributes).
        bar.firstChild.style.width = Math.min(100, 100 * result.score / top) + "%";
        bar.firstChild.style.background = threshold && result.score > threshold ? "var(--bad)" : "var(--ok)";
        if (threshold) bar.lastChild.style.left = (100 * threshold / top) + "%";
        return el("div", { class: "score" },
          el("div", {}, el("strong", {}, "Score "), el("span", { "data-field": "score" }, format.score(result.score)),
            threshold ? [" against threshold ", el("span", { "data-field": "threshold" }, format.score(threshold))] : " — not calibrated",
            result.thresholdIsStale ? el("span", { class: "badge stale" }, "threshold stale") : null),
          bar,
          result.memoryBankPatches ? el("div", { class: "muted" }, "also compared with a memory bank of " + result.memoryBankPatches + " patches") : null);
      }

      function reviewBlock(review) {
        if (!review) return el("p", { class: "review alone", "data-decided-by": "vision" }, el("strong", {}, "Decided by the vision expert alone"), " — no MLLM review was asked for.");
        if (review.decidedBy !== "experts") {
          return el("div", { class: "review alone", "data-decided-by": review.decidedBy },
            el("strong", {}, "Decided by the vision expert alone"), " (" + review.decidedBy + ")");
        }
        return el("div", { class: "review", "data-decided-by": "experts" },
          el("h3", {}, "The experts' review: ", Echo.verdictBadge(review.verdict)),
          review.defect ? el("p", {}, el("strong", {}, "Defect: "), review.defect) : null,
          review.region ? el("p", {}, el("strong", {}, "Where: "), review.region) : null,
          el("p", {}, review.explanation),
          review.reasoning ? el("details", {}, el("summary", {}, "Reasoning (Observe → Compare → Decide)"), el("pre", {}, review.reasoning)) : null);
      }

      function neighbours(references, category) {
        return el("div", {},
          el("h3", {}, "Nearest normals"),
          el("div", { class: "neighbours" }, (references || []).map((reference) => el("figure", { "data-reference": reference.id },
            el("a", { href: "#/category/" + encodeURIComponent(category) , title: format.name(reference.path) },
              Echo.apiImage("/v1/references/" + reference.id + "/thumbnail?size=240", "Golden sample #" + reference.id + " of " + category)),
            el("figcaption", {}, "Golden sample #" + reference.id, el("br"), "similarity " + Number(reference.similarity).toFixed(3))))));
      }

      /// A result: { name, verdict, result, review, error, source, runID }.
      Echo.resultView = function (item) {
        const header = el("h3", {}, el("span", { class: "name" }, item.name), " ", Echo.verdictBadge(item.verdict));
        if (!item.result) {
          return el("article", { class: "panel result-item", "data-verdict": item.verdict }, header, el("p", {}, item.error || "This image could not be inspected."));
        }
        const result = item.result;
        return el("article", { class: "panel result-item", "data-verdict": item.verdict },
          header,
          el("div", { class: "result" },
            overlayFigure(item.source || {}, result.anomalyMap, result.threshold, item.name),
            el("div", {},
              scoreLine(result),
              el("p", {}, el("strong", {}, "Region: "), el("span", { "data-field": "region" }, result.region)),
              el("p", { "data-field": "explanation" }, result.explanation),
              reviewBlock(item.review),
              neighbours(result.references, result.category),
              item.runID ? el("p", {}, el("a", { href: "#/runs/" + item.runID }, "Open run #" + item.runID)) : null)));
      };

      /// Wires a drop zone and a file input to `handle(files)`.
      Echo.dropZone = function (label, inputID, handle) {
        const input = el("input", { type: "file", id: inputID, multiple: true, accept: "image/png,image/jpeg" });
        input.addEventListener("change", () => { if (input.files.length) handle(Array.from(input.files)); input.value = ""; });
        const zone = el("div", { class: "dropzone", "data-dropzone": inputID },
          el("p", {}, label),
          el("label", { for: inputID }, "Or choose files"), input);
        zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
        zone.addEventListener("dragleave", () => zone.classList.remove("over"));
        zone.addEventListener("drop", (event) => {
          event.preventDefault();
          zone.classList.remove("over");
          const files = Array.from(event.dataTransfer.files).filter((file) => /^image\/(png|jpeg)$/.test(file.type) || /\.(png|jpe?g)$/i.test(file.name));
          if (files.length) handle(files); else Echo.showMessage("Drop PNG or JPEG images.", "error");
        });
        return zone;
      };

      Echo.views.inspect = async function (preselected) {
        const categories = await Echo.api("GET", "/v1/categories");
        const results = el("div", { id: "inspect-results", "aria-live": "polite" });
        const select = el("select", { id: "inspect-category", required: true },
          categories.map((category) => el("option", { value: category.name, selected: category.name === preselected }, category.name)));
        const mllm = el("input", { type: "checkbox", id: "inspect-mllm", disabled: !Echo.session.mllm });
        async function inspect(files) {
          if (!select.value) { Echo.showMessage("Create a category with golden samples first.", "error"); return; }
          for (const file of files) {
            const pending = el("article", { class: "panel" }, el("h3", {}, file.name), el("p", { class: "muted", "aria-busy": "true" }, "Inspecting…"));
            results.prepend(pending);
            try {
              const answer = await Echo.api("POST", "/v1/categories/" + encodeURIComponent(select.value) + "/inspect?keep=true" + (mllm.checked ? "&mllm=true" : ""),
                { body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
              pending.replaceWith(Echo.resultView({ name: file.name, verdict: answer.verdict, result: answer.result, review: answer.review,
                source: { url: URL.createObjectURL(file) }, runID: answer.runID }));
            } catch (error) {
              pending.replaceWith(el("article", { class: "panel result-item", "data-verdict": "failed" }, el("h3", {}, file.name, " ", Echo.verdictBadge("failed")),
                el("p", { class: "error-text" }, error.message + (error.code ? " (" + error.code + ")" : ""))));
              Echo.showError(error);
            }
          }
        }
        return el("section", { "aria-labelledby": "inspect-title" },
          el("h1", { id: "inspect-title" }, "Inspect"),
          el("div", { class: "panel" },
            el("div", { class: "filters" },
              el("div", {}, el("label", { for: "inspect-category" }, "Category"), select),
              el("div", {}, el("label", { for: "inspect-mllm" }, mllm, " Ask the MLLM experts"),
                Echo.session.mllm ? null : el("span", { class: "muted" }, "No MLLM is configured on this service; the vision expert decides."))),
            Echo.dropZone("Drop images here to inspect them against the category's golden samples.", "inspect-files", inspect)),
          results);
      };
    })();
    """#
}
