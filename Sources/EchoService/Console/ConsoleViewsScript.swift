/// The console's Overview, Category and Runs pages.
enum ConsoleViewsScript {
    static let js = #"""
    "use strict";
    (function () {
      const el = Echo.el, format = Echo.format;
      const path = (category) => "/v1/categories/" + encodeURIComponent(category);

      function anomalyRate(run) {
        const anomalous = (run.summary && run.summary.anomalous) || 0;
        return run.recorded ? anomalous / run.recorded : null;
      }

      function thresholdText(category) {
        if (category.threshold === null || category.threshold === undefined) return el("span", { class: "muted" }, "not calibrated");
        return el("span", {}, format.score(category.threshold), " ", category.thresholdIsStale ? el("span", { class: "badge stale", title: "The golden set changed after calibration; calibrate again." }, "stale") : null);
      }

      function memoryBankText(category) {
        if (!category.memoryBankPatches) return el("span", { class: "muted" }, "none");
        return el("span", {}, category.memoryBankPatches + " patches ", category.memoryBankIsStale ? el("span", { class: "badge stale" }, "stale, not used") : null);
      }

      function driftText(category) {
        const drift = category.scoreDrift;
        if (!drift) return el("span", { class: "muted" }, "not measured yet");
        const judged = drift.ksStatistic !== null && drift.ksStatistic !== undefined || drift.backgroundKSStatistic !== null && drift.backgroundKSStatistic !== undefined;
        const summary = drift.drifted ? el("span", { class: "badge stale" }, "drifted") : judged ? el("span", { class: "badge verdict-normal" }, "no drift") : el("span", { class: "muted" }, "not judged yet");
        return el("details", {}, el("summary", {}, summary), el("p", {}, drift.message));
      }

      // ---- overview ----------------------------------------------------------------------
      Echo.views.overview = async function () {
        const [categories, runs] = await Promise.all([Echo.api("GET", "/v1/categories?drift=true"), Echo.api("GET", "/v1/runs?limit=200")]);
        const cards = categories.map((category) => {
          const recent = runs.filter((run) => run.category === category.name).slice(0, 3);
          return el("article", { class: "card", "data-category": category.name },
            el("h2", {}, el("a", { href: "#/category/" + encodeURIComponent(category.name) }, category.name)),
            el("dl", {},
              el("dt", {}, "Golden samples"), el("dd", { "data-field": "references" }, String(category.liveReferences)),
              el("dt", {}, "Threshold"), el("dd", { "data-field": "threshold" }, thresholdText(category)),
              el("dt", {}, "Memory bank"), el("dd", {}, memoryBankText(category)),
              el("dt", {}, "Index"), el("dd", {}, category.indexSpecification),
              el("dt", {}, "Score drift"), el("dd", {}, driftText(category))),
            el("h3", {}, "Last runs"),
            recent.length ? el("ul", {}, recent.map((run) => el("li", {},
              el("a", { href: "#/runs/" + run.id }, "#" + run.id), " " + format.time(run.startedAt) + " — " + run.recorded + " image(s), anomaly rate " + format.percent(anomalyRate(run)))))
              : el("p", { class: "muted" }, "No runs yet."),
            el("div", { class: "actions" },
              el("a", { class: "button", href: "#/category/" + encodeURIComponent(category.name) }, "Golden samples"),
              el("a", { class: "button", href: "#/inspect?category=" + encodeURIComponent(category.name) }, "Inspect")));
        });
        return el("section", { "aria-labelledby": "overview-title" },
          el("h1", { id: "overview-title" }, "Overview"),
          Echo.canWrite() ? createCategoryForm() : null,
          categories.length ? el("div", { class: "cards" }, cards)
            : el("p", { class: "panel" }, "No categories yet. " + (Echo.canWrite() ? "Create one above, then add golden samples." : "Ask someone with a read-write token to create one.")));
      };

      function createCategoryForm() {
        const name = el("input", { type: "text", id: "new-category", required: true, pattern: "[A-Za-z0-9._\\-]{1,100}", placeholder: "e.g. bottle" });
        const form = el("form", { class: "panel filters", id: "create-category", "data-write": "true" },
          el("div", {}, el("label", { for: "new-category" }, "New category"), name),
          el("button", { type: "submit" }, "Create category"));
        form.addEventListener("submit", async (event) => {
          event.preventDefault();
          try {
            await Echo.api("POST", "/v1/categories", { body: JSON.stringify({ name: name.value.trim() }), headers: { "Content-Type": "application/json" } });
            location.hash = "#/category/" + encodeURIComponent(name.value.trim());
          } catch (error) { Echo.showError(error); }
        });
        return form;
      }

      // ---- category ----------------------------------------------------------------------
      Echo.views.category = async function (name) {
        const [categories, references, knowledge] = await Promise.all([
          Echo.api("GET", "/v1/categories"),
          Echo.api("GET", path(name) + "/references?limit=1000"),
          Echo.api("GET", "/v1/knowledge/" + encodeURIComponent(name)).catch((error) => { if (error.code === "no_knowledge") return []; throw error; }),
        ]);
        const category = categories.find((each) => each.name === name);
        if (!category) throw new Echo.APIError(404, "unknown_category", "There is no category named " + name + ".");
        const gallery = el("div", { class: "gallery", id: "gallery", "aria-live": "polite" });
        const filter = el("input", { type: "search", id: "gallery-filter", placeholder: "key=value or text" });
        const shown = el("p", { class: "muted", id: "gallery-count" });
        let all = references;
        function matches(reference, text) {
          if (!text) return true;
          const entries = Object.entries(reference.metadata || {});
          return text.split(/\s+/).filter(Boolean).every((term) => {
            const [key, value] = term.split("=");
            if (value !== undefined) return entries.some(([k, v]) => k === key && v === value);
            const needle = term.toLowerCase();
            return Echo.sampleName(reference).toLowerCase().includes(needle) || entries.some(([k, v]) => (k + "=" + v).toLowerCase().includes(needle));
          });
        }
        function drawGallery() {
          const visible = all.filter((reference) => matches(reference, filter.value.trim()));
          shown.textContent = visible.length + " of " + all.length + " golden sample(s)";
          gallery.replaceChildren(...visible.map((reference) => el("figure", { "data-reference": reference.id },
            Echo.apiImage("/v1/references/" + reference.id + "/thumbnail?size=320", "Golden sample " + Echo.sampleName(reference)),
            el("figcaption", {}, el("strong", {}, Echo.sampleName(reference)), " #" + reference.id,
              el("div", { class: "chips" }, Object.entries(reference.metadata || {}).map(([k, v]) => el("span", { class: "chip" }, k + "=" + v))),
              el("span", { class: "muted" }, reference.width + "×" + reference.height)),
            Echo.canWrite() ? el("button", { type: "button", class: "quiet", "data-write": "true", "aria-label": "Remove golden sample " + Echo.sampleName(reference),
              onclick: () => remove(reference) }, "Remove") : null)));
        }
        async function remove(reference) {
          if (!await Echo.confirm("Remove this golden sample?", "Golden sample #" + reference.id + " (" + Echo.sampleName(reference) + ") leaves the reference set of " + name + ". Its threshold becomes stale until you calibrate again.", "Remove")) return;
          try {
            await Echo.api("DELETE", "/v1/references/" + reference.id);
            all = all.filter((each) => each.id !== reference.id);
            drawGallery();
            Echo.showMessage("Removed golden sample #" + reference.id + ". Calibrate again to refresh the threshold.", "info");
          } catch (error) { Echo.showError(error); }
        }
        async function reload() {
          all = await Echo.api("GET", path(name) + "/references?limit=1000", { cache: "no-store" });
          drawGallery();
        }
        filter.addEventListener("input", drawGallery);
        drawGallery();
        return el("section", { "aria-labelledby": "category-title" },
          el("h1", { id: "category-title" }, name),
          Echo.facts([["Golden samples", String(category.liveReferences), "references"], ["Threshold", thresholdText(category), "threshold"],
            ["Memory bank", memoryBankText(category)], ["Left out of calibration", String(category.excludedFromCalibration)],
            ["Index", category.indexSpecification], ["Embedder", category.embedder]]),
          Echo.canWrite() ? actions(name) : null,
          Echo.canWrite() ? uploads(name, reload) : null,
          el("h2", {}, "Golden samples"),
          el("div", { class: "filters" }, el("div", {}, el("label", { for: "gallery-filter" }, "Filter by metadata or name"), filter), shown),
          gallery,
          knowledgeSection(name, knowledge));
      };

      function actions(name) {
        const quantile = el("input", { type: "number", id: "quantile", min: 0.5, max: 1, step: 0.01, value: 0.95 });
        const coreset = el("input", { type: "number", id: "coreset", min: 0.01, max: 1, step: 0.01, value: 0.1 });
        const status = el("p", { id: "calibration-status", "aria-live": "polite" });
        async function run(memoryBank, button) {
          if (memoryBank === "drop" && !await Echo.confirm("Drop the memory bank?", "Inspections of " + name + " then compare with the nearest golden samples only; the threshold is recalibrated.", "Drop")) return;
          button.disabled = true;
          status.textContent = memoryBank === "build" ? "Building the memory bank and calibrating…" : "Calibrating…";
          try {
            const query = "quantile=" + encodeURIComponent(quantile.value) + "&memoryBank=" + memoryBank + (memoryBank === "build" ? "&coreset=" + encodeURIComponent(coreset.value) : "");
            const outcome = await Echo.api("POST", path(name) + "/calibrate?" + query);
            status.textContent = "Threshold " + format.score(outcome.calibration.threshold) + " from " + outcome.calibration.scores.length + " golden samples" +
              (outcome.memoryBank ? "; memory bank of " + outcome.memoryBank.patches + " patches" : "") + (outcome.memoryBankRemoved ? "; memory bank dropped" : "") + ".";
            Echo.showMessage("Calibrated " + name + ": threshold " + format.score(outcome.calibration.threshold) + ".", "info");
          } catch (error) {
            status.textContent = "";
            Echo.showError(error);
          } finally { button.disabled = false; }
        }
        const button = (label, memoryBank, extra) => {
          const node = el("button", { type: "button", class: extra || "", "data-action": memoryBank === "keep" ? "calibrate" : memoryBank + "-memory-bank" }, label);
          node.addEventListener("click", () => run(memoryBank, node));
          return node;
        };
        return el("section", { class: "panel", "data-write": "true", "aria-labelledby": "actions-title" },
          el("h2", { id: "actions-title" }, "Calibration and memory bank"),
          el("div", { class: "actions" },
            el("div", {}, el("label", { for: "quantile" }, "Quantile"), quantile), button("Calibrate", "keep"),
            el("div", {}, el("label", { for: "coreset" }, "Coreset ratio"), coreset), button("Build memory bank and calibrate", "build"),
            button("Drop memory bank", "drop", "danger")),
          status);
      }

      function uploads(name, reload) {
        const metadata = el("input", { type: "text", id: "upload-metadata", placeholder: "line=3 shift=night" });
        const list = el("ul", { class: "uploads", id: "upload-list", "aria-live": "polite" });
        function parseMetadata() {
          const result = {};
          for (const term of metadata.value.split(/\s+/).filter(Boolean)) {
            const [key, ...rest] = term.split("=");
            if (!key || !rest.length) throw new Error("Metadata must be KEY=VALUE pairs separated by spaces (got \"" + term + "\").");
            result[key] = rest.join("=");
          }
          return result;
        }
        async function add(files) {
          let shared;
          try { shared = parseMetadata(); } catch (error) { Echo.showError(error); return; }
          const queue = files.map((file) => {
            const progress = el("progress", { max: 1, value: 0, "aria-label": "Upload of " + file.name });
            const state = el("span", { class: "state" }, "waiting");
            list.append(el("li", { "data-file": file.name }, el("span", {}, file.name), progress, state));
            return { file, progress, state };
          });
          let next = 0;
          async function worker() {
            while (next < queue.length) {
              const item = queue[next++];
              item.state.textContent = "uploading…";
              try {
                // The file's own name goes along as metadata: the store keeps uploads by their SHA-256.
                const metadata = Object.assign({ filename: item.file.name.slice(0, 200) }, shared);
                const answer = await Echo.upload(path(name) + "/references", item.file, (share) => { item.progress.value = share; },
                  { "Echo-Metadata": Echo.asciiJSON(metadata) });
                item.state.textContent = answer.status === "added" ? "added as #" + answer.id : "duplicate: already in the golden set" + (answer.id ? " as #" + answer.id : "");
                item.state.dataset.status = answer.status;
                if (answer.warnings) item.state.append(el("div", { class: "stale" }, answer.warnings.join(" ")));
              } catch (error) {
                item.state.textContent = error.message + (error.code ? " (" + error.code + ")" : "");
                item.state.dataset.status = "failed";
              }
            }
          }
          await Promise.all([worker(), worker()]);
          await reload().catch(Echo.showError);
        }
        return el("section", { class: "panel", "data-write": "true", "aria-labelledby": "add-title" },
          el("h2", { id: "add-title" }, "Add golden samples"),
          el("div", { class: "filters" }, el("div", {}, el("label", { for: "upload-metadata" }, "Metadata for these files (optional)"), metadata)),
          Echo.dropZone("Drop normal (defect-free) images here: each becomes a golden sample.", "golden-files", add),
          list);
      }

      function knowledgeSection(name, entries) {
        const section = el("section", { "aria-labelledby": "knowledge-title" }, el("h2", { id: "knowledge-title" }, "Knowledge"));
        section.append(entries.length ? el("table", {},
          el("thead", {}, el("tr", {}, el("th", {}, "Kind"), el("th", {}, "Title"), el("th", {}, "Description"), el("th", {}, "Tolerance"))),
          el("tbody", {}, entries.map((entry) => el("tr", {}, el("td", {}, entry.kind), el("td", {}, entry.title || entry.key), el("td", {}, entry.description), el("td", {}, entry.tolerance || "—")))))
          : el("p", { class: "muted" }, "No knowledge for " + name + " yet."));
        if (Echo.canWrite()) {
          const input = el("input", { type: "file", id: "knowledge-file", accept: "application/json,.json" });
          input.addEventListener("change", async () => {
            if (!input.files.length) return;
            try {
              const counts = await Echo.api("POST", "/v1/knowledge", { body: input.files[0], headers: { "Content-Type": "application/json" } });
              Echo.showMessage("Knowledge imported: " + JSON.stringify(counts), "info");
              Echo.route();
            } catch (error) { Echo.showError(error); }
          });
          section.append(el("div", { class: "panel", "data-write": "true" }, el("label", { for: "knowledge-file" }, "Import knowledge (MMAD's domain_knowledge.json or Echo's format)"), input));
        }
        return section;
      }

      // ---- runs --------------------------------------------------------------------------
      Echo.views.runs = async function (category) {
        const [categories, runs] = await Promise.all([Echo.api("GET", "/v1/categories"),
          Echo.api("GET", "/v1/runs?limit=200" + (category ? "&category=" + encodeURIComponent(category) : ""))]);
        const select = el("select", { id: "runs-category" }, el("option", { value: "" }, "All categories"),
          categories.map((each) => el("option", { value: each.name, selected: each.name === category }, each.name)));
        select.addEventListener("change", () => { location.hash = "#/runs" + (select.value ? "?category=" + encodeURIComponent(select.value) : ""); });
        const anomalousOnly = el("input", { type: "checkbox", id: "runs-anomalous" });
        const body = el("tbody");
        function draw() {
          const visible = runs.filter((run) => !anomalousOnly.checked || (run.summary && run.summary.anomalous));
          body.replaceChildren(...visible.map((run) => el("tr", { "data-run": run.id },
            el("td", {}, el("a", { href: "#/runs/" + run.id }, "#" + run.id)),
            el("td", {}, run.category), el("td", {}, format.time(run.startedAt)), el("td", {}, run.state),
            el("td", { class: "num" }, String(run.recorded)),
            el("td", { class: "num" }, String((run.summary && run.summary.anomalous) || 0)),
            el("td", { class: "num" }, format.percent(anomalyRate(run))),
            el("td", { class: "num" }, format.score(run.threshold)))));
          if (!visible.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No runs match.")));
        }
        anomalousOnly.addEventListener("change", draw);
        draw();
        return el("section", { "aria-labelledby": "runs-title" },
          el("h1", { id: "runs-title" }, "Runs"),
          el("div", { class: "filters" },
            el("div", {}, el("label", { for: "runs-category" }, "Category"), select),
            el("div", {}, el("label", { for: "runs-anomalous" }, anomalousOnly, " Only runs with anomalies"))),
          el("table", {}, el("thead", {}, el("tr", {}, ["Run", "Category", "Started", "State", "Images", "Anomalous", "Anomaly rate", "Threshold"].map((h) => el("th", { scope: "col" }, h)))), body));
      };

      Echo.views.run = async function (id) {
        const answer = await Echo.api("GET", "/v1/runs/" + encodeURIComponent(id));
        const status = answer.status;
        const verdict = el("select", { id: "run-verdict" }, ["all", "anomalous", "normal", "uncertain", "uncalibrated", "failed"].map((v) => el("option", { value: v }, v)));
        const list = el("div", { id: "run-results" });
        function draw() {
          list.replaceChildren(...answer.results.map((record, index) => ({ record, index }))
            .filter(({ record }) => verdict.value === "all" || record.verdict === verdict.value)
            .map(({ record, index }) => {
              const details = record.details || {};
              return Echo.resultView({ name: record.image, verdict: record.verdict, result: details.result, review: details.review, error: details.error,
                source: { path: "/v1/runs/" + status.id + "/results/" + index + "/image?size=512" } });
            }));
        }
        verdict.addEventListener("change", draw);
        draw();
        const summary = Object.entries(status.summary || {}).filter(([, count]) => count).map(([key, count]) => key + " " + count).join(", ");
        return el("section", { "aria-labelledby": "run-title" },
          el("h1", { id: "run-title" }, "Run #" + status.id + " — " + status.category),
          Echo.facts([["State", status.state], ["Started", format.time(status.startedAt)], ["Finished", format.time(status.finishedAt)],
            ["Images", status.recorded + " of " + status.images], ["Threshold", format.score(status.threshold)], ["Verdicts", summary || "—", "summary"]]),
          el("div", { class: "filters" }, el("div", {}, el("label", { for: "run-verdict" }, "Show verdict"), verdict)),
          list);
      };
    })();
    """#
}
