// report.html: builds the page from its JSON data (drug_mentions.page_html). Text only through
// text nodes, never markup. The graph is laid out by d3-force (inlined above) and drawn in SVG.
(function () {
  "use strict";
  const started = performance.now();
  const DATA = JSON.parse(document.getElementById("page-data").textContent);
  const REPORT = DATA.report;
  const SOURCES = ["pubmed", "clinical_trials"];
  const OVERVIEW_DRUGS = 40; // the overview: the most mentioned drugs...
  const OVERVIEW_JOURNALS = 60; // ...and, of their journals, those with the most drugs
  const NEIGHBOURS = 100; // at most this many neighbours drawn around a selected node
  const SVG_NS = "http://www.w3.org/2000/svg";

  // --- The data, as objects ---------------------------------------------------------------
  const drugs = DATA.drugs.map((r, index) => ({
    kind: "drug", index, name: r[0], atccode: r[1], pubmed: r[2], clinical_trials: r[3],
    journals: r[4], pubmedJournals: r[5], mentions: r[2] + r[3], links: [], publications: [],
  }));
  const journals = DATA.journals.map((r, index) => ({
    kind: "journal", index, name: r[0], drugs: r[1], pubmedDrugs: r[2], mentions: r[3], links: [],
  }));
  const links = DATA.links.map((r) => ({
    drug: drugs[r[0]], journal: journals[r[1]], pubmed: r[2], clinical_trials: r[3],
    mentions: r[2] + r[3],
  }));
  const busiest = (a, b) => b.mentions - a.mentions || byName(a, b);
  const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const link of links) {
    link.drug.links.push(link);
    link.journal.links.push(link);
  }
  for (const node of [...drugs, ...journals]) node.links.sort((a, b) => busiest(a, b) || byName(a.drug, b.drug) || byName(a.journal, b.journal));
  for (const r of DATA.publications) {
    drugs[r[0]].publications.push({ source: r[1], id: r[2], title: r[3], date: r[4], journal: r[5] });
  }

  // --- Small DOM helpers --------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "onclick") node.addEventListener("click", value);
      else if (key === "text") node.textContent = value;
      else if (value !== undefined && value !== null) node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }
  const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));
  const num = (key, value) => el("td", { class: "num", "data-key": key, text: fmt(value) });
  const code = (text) => el("code", { text });
  const plural = (n, word) => `${fmt(n)} ${word}${n === 1 ? "" : "s"}`;
  const $ = (id) => document.getElementById(id);
  // "clinical_trials" may wrap after its underscore (a <wbr>, no text).
  const breakable = (text) => text.split("_").flatMap((part, i, all) => (i < all.length - 1 ? [`${part}_`, el("wbr")] : [part]));

  // --- The run at a glance ------------------------------------------------------------------
  function glance() {
    $("run-id").textContent = `run ${REPORT.run_id}`;
    $("run-meta").textContent = `version ${REPORT.version} · ${REPORT.input} → ${REPORT.output} · ` +
      `${REPORT.started_at} → ${REPORT.finished_at}`;
    const kept = REPORT.sources.drugs ? REPORT.sources.drugs.kept : null;
    const cards = [
      ["edges.total", REPORT.edges.total, "edges (drug mentions)"],
      ["drugs_mentioned", REPORT.drugs_mentioned, `drugs mentioned, of ${fmt(kept)} kept`],
      ["rejects_total", REPORT.rejects_total, "records rejected"],
      ["output_json.drugs", REPORT.output_json.drugs, "drugs in output.json"],
      ["duration_seconds", REPORT.duration_seconds, "seconds"],
    ];
    for (const [key, value, label] of cards) {
      $("cards").append(el("div", { class: "card" },
        el("div", { class: "value", "data-key": key, text: fmt(value) }),
        el("div", { class: "label", text: label })));
    }
    const head = ["source", "rows", "kept", "rejected", "merged duplicates", "rejected by reason"];
    $("sources-table").append(el("tr", {}, ...head.map((h, i) => el("th", { class: i && i < 5 ? "num" : null, text: h }))));
    const order = ["drugs", ...SOURCES];
    const sources = Object.keys(REPORT.sources).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
    for (const source of sources) {
      const n = REPORT.sources[source];
      const reasons = el("td");
      for (const [reason, count] of Object.entries(n.rejected_by_reason)) {
        reasons.append(el("span", {}, `${reason} `,
          el("span", { "data-key": `sources.${source}.rejected_by_reason.${reason}`, text: fmt(count) }), " "));
      }
      $("sources-table").append(el("tr", {}, el("td", { text: source }),
        num(`sources.${source}.rows`, n.rows), num(`sources.${source}.kept`, n.kept),
        num(`sources.${source}.rejected`, n.rejected),
        num(`sources.${source}.merged_duplicates`, n.merged_duplicates), reasons));
    }
    $("edges-table").append(el("tr", {}, el("th", { text: "source" }), el("th", { class: "num", text: "edges" })));
    for (const key of [...SOURCES, "total"]) {
      $("edges-table").append(el("tr", {}, el("td", { text: key }), num(`edges.${key}`, REPORT.edges[key])));
    }
    const shown = REPORT.files.length;
    $("files-summary").textContent = shown < REPORT.files_total
      ? `Input files: the first ${fmt(shown)} of ${fmt(REPORT.files_total)} (all in run_report.json)`
      : `Input files (${fmt(shown)})`;
    const fileHead = ["file", "source", "rows", "blank lines ignored", "bytes"];
    $("files-table").append(el("tr", {}, ...fileHead.map((h, i) => el("th", { class: i > 1 ? "num" : null, text: h }))));
    REPORT.files.forEach((f, i) => {
      $("files-table").append(el("tr", {}, el("td", { text: f.file }), el("td", { text: f.source }),
        num(`files.${i}.rows`, f.rows), num(`files.${i}.blank_lines_ignored`, f.blank_lines_ignored),
        num(`files.${i}.bytes`, f.bytes)));
    });
  }

  // --- The graph ----------------------------------------------------------------------------
  const svg = $("graph");
  let view = { x: 0, y: 0, w: 100, h: 100 };
  const key = (node) => `${node.kind}:${node.index}`;
  const radius = (node) => 5 + Math.min(14, Math.sqrt(node.mentions));
  const label = (name) => (name.length > 32 ? `${name.slice(0, 31)}…` : name);

  function svgEl(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    node.append(...children);
    return node;
  }

  function setView(v) {
    view = v;
    svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  }

  // Lay out ``nodes`` and the ``edges`` between them (d3-force, run to rest before drawing:
  // the same data gives the same picture), then draw them; ``selected`` is outlined.
  function draw(nodes, edges, selected) {
    const sim = nodes.map((node) => ({ node, id: key(node) }));
    const at = new Map(sim.map((s) => [s.id, s]));
    const simEdges = edges.map((e) => ({ source: at.get(key(e.drug)), target: at.get(key(e.journal)), edge: e }));
    if (selected) Object.assign(at.get(key(selected)), { fx: 0, fy: 0 });
    const simulation = d3.forceSimulation(sim)
      .force("link", d3.forceLink(simEdges).distance(110).strength(0.4))
      .force("charge", d3.forceManyBody().strength(-420))
      .force("x", d3.forceX(0).strength(0.04))
      .force("y", d3.forceY(0).strength(0.07))
      .force("collide", d3.forceCollide((s) => radius(s.node) + 14))
      .stop();
    const ticks = Math.ceil(Math.log(simulation.alphaMin()) / Math.log(1 - simulation.alphaDecay()));
    for (let i = 0; i < ticks; i += 1) simulation.tick();

    svg.replaceChildren();
    const edgeLayer = svgEl("g", { class: "links" });
    for (const e of simEdges) {
      edgeLayer.append(svgEl("line", {
        class: e.edge.pubmed ? "link" : "link ct", x1: e.source.x, y1: e.source.y, x2: e.target.x, y2: e.target.y,
        "stroke-width": Math.min(6, 1 + Math.log2(e.edge.mentions)),
        "data-drug": e.edge.drug.name, "data-journal": e.edge.journal.name,
      }, svgEl("title", {}, `${e.edge.drug.name} – ${e.edge.journal.name}: ${e.edge.pubmed} PubMed, ${e.edge.clinical_trials} clinical trials`)));
    }
    const nodeLayer = svgEl("g", { class: "nodes" });
    for (const s of sim) {
      const node = s.node;
      const r = radius(node);
      const shape = node.kind === "drug"
        ? svgEl("circle", { r })
        : svgEl("rect", { x: -r, y: -r, width: 2 * r, height: 2 * r, rx: 2 });
      const g = svgEl("g", {
        class: `node ${node.kind}${node === selected ? " selected" : ""}`,
        transform: `translate(${s.x},${s.y})`, "data-name": node.name, "data-kind": node.kind,
      }, shape, svgEl("text", { x: r + 3, y: 4 }, label(node.name)),
      svgEl("title", {}, `${node.name} (${node.kind}, ${plural(node.mentions, "mention")})`));
      g.addEventListener("click", (event) => { event.stopPropagation(); select(node); });
      nodeLayer.append(g);
    }
    svg.append(edgeLayer, nodeLayer);
    fit(sim);
  }

  function fit(sim) {
    if (!sim.length) return setView({ x: -100, y: -100, w: 200, h: 200 });
    const xs = sim.map((s) => s.x);
    const ys = sim.map((s) => s.y);
    const pad = 40;
    const x0 = Math.min(...xs) - pad;
    const y0 = Math.min(...ys) - pad;
    const w = Math.max(...xs) + 220 - x0; // room for the labels on the right
    const h = Math.max(...ys) + pad - y0;
    // A few nodes are not blown up: at least 760 x 480 units (labels stay at their size).
    const W = Math.max(w, 760);
    const H = Math.max(h, 480);
    setView({ x: x0 - (W - w) / 2, y: y0 - (H - h) / 2, w: W, h: H });
  }

  // Zoom with the wheel, pan by dragging.
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    const scale = event.deltaY > 0 ? 1.15 : 1 / 1.15;
    const px = view.x + ((event.clientX - box.left) / box.width) * view.w;
    const py = view.y + ((event.clientY - box.top) / box.height) * view.h;
    setView({ x: px - (px - view.x) * scale, y: py - (py - view.y) * scale, w: view.w * scale, h: view.h * scale });
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (event) => { drag = { x: event.clientX, y: event.clientY, view }; });
  window.addEventListener("pointerup", () => { drag = null; });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const box = svg.getBoundingClientRect();
    const ratio = Math.max(drag.view.w / box.width, drag.view.h / box.height);
    setView({ ...drag.view, x: drag.view.x - (event.clientX - drag.x) * ratio, y: drag.view.y - (event.clientY - drag.y) * ratio });
  });

  function caption(text) { $("graph-caption").textContent = text; }

  function overview() {
    const top = drugs.slice(0, OVERVIEW_DRUGS);
    const linked = new Set(top.flatMap((d) => d.links.map((l) => l.journal)));
    const shownJournals = journals.filter((j) => linked.has(j)).slice(0, OVERVIEW_JOURNALS);
    const keep = new Set(shownJournals);
    const edges = top.flatMap((d) => d.links.filter((l) => keep.has(l.journal)));
    draw([...top, ...shownJournals], edges, null);
    caption(`Overview: the ${plural(top.length, "drug")} most mentioned and ${plural(shownJournals.length, "journal")} ` +
      `they appear in (those with the most drugs). Search, or click a node.`);
    $("details").replaceChildren(el("p", { class: "hint", text: "Click a drug for its publications and related drugs, a journal for its drugs." }));
  }

  function neighbourhood(node) {
    const shown = node.links.slice(0, NEIGHBOURS);
    const others = shown.map((l) => (node.kind === "drug" ? l.journal : l.drug));
    draw([node, ...others], shown, node);
    const what = node.kind === "drug" ? "journal" : "drug";
    const more = node.links.length > shown.length ? ` (the ${fmt(shown.length)} busiest of ${fmt(node.links.length)} on this page)` : "";
    caption(`${node.name} and its ${plural(shown.length, what)}${more}.`);
  }

  // --- Related drugs: jobs/adhoc.py --related-drug, on the links of this page ---------------
  // Drugs other than ``drug`` sharing a journal with it through PubMed mentions only.
  function related(drug) {
    const viaJournals = drug.links.filter((l) => l.pubmed > 0).map((l) => l.journal);
    const found = new Map();
    for (const journal of viaJournals) {
      for (const l of journal.links) {
        if (l.pubmed > 0 && l.drug !== drug) found.set(l.drug.name, l.drug);
      }
    }
    // Exact when the page holds every PubMed link of the drug and of each of those journals.
    const exact = viaJournals.length === drug.pubmedJournals &&
      viaJournals.every((j) => j.links.filter((l) => l.pubmed > 0).length === j.pubmedDrugs);
    return { journals: viaJournals, drugs: [...found.values()].sort(byName), exact };
  }

  function showRelated(drug, box) {
    const answer = related(drug);
    const edges = answer.journals.flatMap((j) => j.links.filter((l) => l.pubmed > 0 && (l.drug === drug || answer.drugs.includes(l.drug))));
    draw([drug, ...answer.journals, ...answer.drugs], edges, drug);
    caption(`${drug.name}, its PubMed journals and the ${plural(answer.drugs.length, "drug")} they also mention.`);
    const list = el("ul", { class: "names", id: "related-list" }, ...answer.drugs.map((d) => el("li", {}, nameButton(d))));
    const note = answer.exact
      ? "Complete: the same answer as the ad-hoc query."
      : "At least these: the page holds only part of these journals' links. All of them: ";
    box.replaceChildren(
      el("p", { text: `Drugs sharing a journal with ${drug.name} through PubMed mentions (${fmt(answer.drugs.length)}):` }),
      answer.drugs.length ? list : el("p", { class: "note", text: "(none)" }),
      el("p", { class: "note", id: "related-exact", "data-exact": String(answer.exact) }, note,
        answer.exact ? "" : code(`spark-submit jobs/adhoc.py --mentions ${DATA.where.mentions} --related-drug "${drug.name}"`)));
  }

  // --- Details panel ------------------------------------------------------------------------
  function nameButton(node, count) {
    return el("button", { type: "button", class: node.kind, onclick: () => select(node), "data-name": node.name },
      node.name, count === undefined ? null : el("span", { class: "count", text: fmt(count) }));
  }

  function drugDetails(drug) {
    const box = el("div", { id: "related" });
    const pubs = drug.publications;
    const table = el("table", { id: "publications" },
      el("tr", {}, ...["id", "title", "date", "journal", "source"].map((h) => el("th", { text: h }))),
      ...pubs.map((p) => el("tr", {}, el("td", { text: p.id }), el("td", { text: p.title }),
        el("td", { text: p.date }), el("td", { text: p.journal === null ? "–" : p.journal }), el("td", {}, ...breakable(p.source)))));
    let pubNote;
    if (drug.index >= DATA.publications_drugs) {
      pubNote = el("p", { class: "note" }, "Not listed on this page (its size is bounded): see ", code(DATA.where.mentions), ".");
    } else if (pubs.length < drug.mentions) {
      pubNote = el("p", { class: "note" }, `The latest ${fmt(pubs.length)} of ${plural(drug.mentions, "mention")}; all of them: `, code(DATA.where.mentions), " (or the BigQuery table mentions).");
    } else {
      pubNote = el("p", { class: "note", text: `All ${plural(drug.mentions, "mention")}.` });
    }
    const journalNote = drug.links.length < drug.journals ? ` (${fmt(drug.links.length)} of ${fmt(drug.journals)} on this page)` : "";
    return [
      el("h3", { class: "drug", id: "details-name", text: drug.name }),
      el("p", {}, `drug, ATC code ${drug.atccode} · mentions: `,
        el("span", { id: "details-pubmed", text: fmt(drug.pubmed) }), " PubMed, ",
        el("span", { id: "details-clinical-trials", text: fmt(drug.clinical_trials) }), " clinical trials"),
      el("h3", { text: `Journals${journalNote}` }),
      el("ul", { class: "names", id: "details-journals" }, ...drug.links.map((l) => el("li", {}, nameButton(l.journal, l.mentions)))),
      el("h3", { text: "Related drugs" }),
      el("button", { type: "button", id: "related-button", onclick: () => showRelated(drug, box) }, `Drugs sharing a journal with ${drug.name}`),
      box,
      el("h3", { text: "Publications" }), pubNote, pubs.length ? table : null,
    ];
  }

  function journalDetails(journal) {
    const note = journal.links.length < journal.drugs ? ` (${fmt(journal.links.length)} of ${fmt(journal.drugs)} on this page)` : "";
    return [
      el("h3", { class: "journal", id: "details-name", text: journal.name }),
      el("p", { text: `journal · ${plural(journal.drugs, "drug")} · ${plural(journal.mentions, "mention")}` }),
      el("h3", { text: `Drugs${note}` }),
      el("ul", { class: "names", id: "details-drugs" }, ...journal.links.map((l) => el("li", {}, nameButton(l.drug, l.mentions)))),
    ];
  }

  function select(node) {
    neighbourhood(node);
    $("details").replaceChildren(...(node.kind === "drug" ? drugDetails(node) : journalDetails(node)));
    $("search-results").hidden = true;
  }

  // --- Search -------------------------------------------------------------------------------
  const everything = [...drugs, ...journals];
  function find(query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const scored = [];
    for (const node of everything) {
      const name = node.name.toLowerCase();
      const at = name.indexOf(q);
      if (at >= 0) scored.push([name === q ? 0 : at === 0 ? 1 : 2, node]);
    }
    scored.sort((a, b) => a[0] - b[0] || busiest(a[1], b[1]));
    return scored.slice(0, 20).map((s) => s[1]);
  }

  function showResults(query) {
    const hits = find(query);
    const list = $("search-results");
    list.hidden = !query.trim();
    if (!hits.length) {
      list.replaceChildren(el("li", { class: "note" },
        `Nothing named like “${query.trim()}” among the ${plural(drugs.length, "drug")} and ${plural(journals.length, "journal")} of this page; every edge: `,
        code(DATA.where.mentions)));
      return;
    }
    list.replaceChildren(...hits.map((node) => el("li", {}, nameButton(node))));
  }

  const search = $("search");
  search.addEventListener("input", () => showResults(search.value));
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const hits = find(search.value);
    if (hits.length) select(hits[0]);
    else showResults(search.value);
  });
  $("overview").addEventListener("click", () => { search.value = ""; $("search-results").hidden = true; overview(); });

  // --- What the page leaves out -------------------------------------------------------------
  function leftOut() {
    const t = DATA.totals;
    const L = DATA.limits;
    const items = [
      [`Drugs: ${drugs.length < t.drugs ? `the ${fmt(drugs.length)} most mentioned of` : "all"} ${plural(t.drugs, "drug")} mentioned.`],
      [`Journals: ${journals.length < t.journals ? `the ${fmt(journals.length)} with the most drugs of` : "all"} ${plural(t.journals, "journal")}.`],
      [`Drug–journal links: ${fmt(links.length)} of ${fmt(t.links)} (at most ${fmt(L.links_per_drug)} per drug, between the drugs and journals listed).`],
      [`Publications: each drug's latest ${fmt(L.publications_per_drug)}, for ${DATA.publications_drugs < drugs.length ? `the first ${fmt(DATA.publications_drugs)} drugs (the page stays under 5 MB)` : "every drug listed"}; names and titles over ${fmt(L.text_chars)} characters are clipped.`],
      ["Every edge: ", code(DATA.where.mentions), " (Parquet, one row per mention; on Google Cloud also the BigQuery table ", code("mentions"), "). Every drug of the list: ", code(DATA.where["output.json"]), ". Rejected records, with their reason: ", code(DATA.where.rejects), "."],
      ["The ad-hoc queries on every edge: ", code(`spark-submit jobs/adhoc.py --mentions ${DATA.where.mentions} --related-drug NAME`), "."],
    ];
    $("left-out-list").replaceChildren(...items.map((parts) => el("li", {}, ...parts)));
  }

  glance();
  leftOut();
  overview();
  document.body.dataset.buildMs = String(Math.round(performance.now() - started));
  document.body.dataset.ready = "true";
})();
