/// The page's script: plain JavaScript, no libraries. It draws the Sankey diagram, the beams,
/// the paths, the text and (with explorer data) the controls, the heatmap and the layer strip;
/// with explorer data it re-runs the search (`RatExplorer`, `ExplorerEngine.swift`) for whatever
/// target, layer and setting the user picks, and keeps the selection in the URL fragment. All
/// token text is set with `textContent`, never parsed as HTML.
let pageScript = #"""
(function () {
  'use strict';
  var data, trace, ex = null, svg, viewport;
  var zoom = { k: 1, x: 0, y: 0 };
  var view = null;        // what is drawn (see makeView)
  var state = null;       // the explorer's selection
  var initial = null;     // the trace's own selection
  var notes = { fragment: null, search: null };
  var selectedBeam = null;
  var nodeById = {};
  var tokenEls = [];
  var heat = { key: null, image: null, size: 0, k: 1, x: 0, y: 0 };

  // ---- small helpers ---------------------------------------------------------------------
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function item(label, value) {
    var row = el('div', 'info-item');
    row.appendChild(el('span', 'label', label));
    row.appendChild(el('span', 'value', String(value)));
    return row;
  }
  function label(position) {
    return position >= 0 && position < data.labels.length ? data.labels[position] : '?';
  }
  function truncated(text) {
    var chars = Array.from(text);
    return chars.length <= 24 ? text : chars.slice(0, 23).join('') + '\u2026';
  }
  function tokenId(position) {
    if (ex && ex.tokenIDs) return ex.tokenIDs[position] === -1 ? 'N/A' : ex.tokenIDs[position];
    for (var b = 0; b < view.beams.length; b++) {
      var i = view.beams[b].positions.indexOf(position);
      if (i !== -1) return view.beams[b].token_ids[i];
    }
    return 'N/A';
  }
  function rgb(hex) {
    return [parseInt(hex.substr(1, 2), 16), parseInt(hex.substr(3, 2), 16), parseInt(hex.substr(5, 2), 16)];
  }
  function hex(r, g, b) {
    return '#' + [r, g, b].map(function (v) { v = Math.round(v); return (v < 16 ? '0' : '') + v.toString(16); }).join('');
  }
  // Viridis at t in 0...1, interpolated between the Swift palette's stops as Palette.viridis does.
  function viridis(t) {
    var stops = data.palette.viridis;
    var x = Math.min(Math.max(isFinite(t) ? t : 0, 0), 1) * (stops.length - 1);
    var i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
    var a = rgb(stops[i]), b = rgb(stops[i + 1]);
    return hex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
  }
  // WCAG relative luminance; text on a coloured background is black or white, whichever
  // contrasts more (always at least 4.58:1).
  function luminance(hexColor) {
    var c = rgb(hexColor).map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function textOn(background) {
    var l = luminance(background);
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? '#ffffff' : '#000000';
  }
  function beamColor(i) { return data.palette.beams[i % data.palette.beams.length]; }

  // ---- views: what the diagram, beams, paths and text show --------------------------------
  // The trace as written (no explorer data, or a reference trace.json).
  function traceView() {
    var m = trace.metadata;
    return {
      target: m.target_pos, layer: m.layer, beams: trace.beams, sankey: trace.sankey, pathsText: trace.paths_text,
      comparison: trace.search_comparison || null, warnings: [], faithfulness: trace.faithfulness || null,
      acrossLayers: m.across_layers === true,
      settings: { agg: m.agg_heads, topK: m.top_k, topBeam: m.top_beam, minAttn: m.min_attn, lengthNorm: m.length_norm,
                  stopAtBOS: m.stop_at_bos, mode: m.search_mode, sink: m.sink, sinkPositions: m.sink_positions, sinkMass: m.sink_mass }
    };
  }
  // The explorer's search for a selection.
  function explorerView(s) {
    var found = RatExplorer.search(ex, {
      layerIndex: s.layerIndex, aggIndex: s.aggIndex, target: s.target, topBeam: s.topBeam, topK: s.topK,
      minAttn: s.minAttn, lengthNorm: s.lengthNorm, stopAtBOS: s.stopAtBOS, mode: s.mode, sink: s.sink
    });
    var layer = ex.layers[s.layerIndex];
    var beams = found.paths.map(function (p) {
      return {
        positions: p.positions, tokens: p.positions.map(function (q) { return trace.tokens[q]; }),
        token_ids: p.positions.map(function (q) { return ex.tokenIDs[q]; }),
        edge_attns: p.edge_attns, score_raw: p.score_raw, score_norm: p.score_norm
      };
    });
    return {
      target: found.target, layer: layer, beams: beams, sankey: RatExplorer.sankey(found.paths, trace.tokens, layer),
      pathsText: found.paths.map(function (p) { return RatExplorer.pathText(trace.tokens, p.positions, p.score_norm); }),
      comparison: found.comparison, warnings: found.warnings, faithfulness: null, acrossLayers: false,
      settings: { agg: ex.aggregations[s.aggIndex], topK: s.topK, topBeam: s.topBeam, minAttn: s.minAttn,
                  lengthNorm: s.lengthNorm, stopAtBOS: s.stopAtBOS, mode: s.mode, sink: s.sink,
                  sinkPositions: ex.sinkPositions, sinkMass: found.sinkMass }
    };
  }

  // ---- the diagram ----------------------------------------------------------------------
  function applyZoom() {
    viewport.setAttribute('transform', 'translate(' + zoom.x + ',' + zoom.y + ') scale(' + zoom.k + ')');
  }
  function svgPoint(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX; p.y = event.clientY;
    var m = svg.getScreenCTM();
    return m ? p.matrixTransform(m.inverse()) : { x: 0, y: 0 };
  }
  function round2(x) { return Math.round(x * 100) / 100; }
  function svgEl(tag, attributes) {
    var e = document.createElementNS(svg.namespaceURI, tag);
    Object.keys(attributes).forEach(function (k) { e.setAttribute(k, String(attributes[k])); });
    return e;
  }
  // The same markup as SankeySVG draws in Swift, from RatExplorer.layout (a port of SankeyLayout).
  function drawDiagram() {
    var sankey = view.sankey, layout = RatExplorer.layout(sankey);
    svg.setAttribute('viewBox', '0 0 ' + round2(layout.width) + ' ' + round2(layout.height));
    svg.setAttribute('aria-label', 'Attention paths to position ' + view.target);
    while (viewport.firstChild) viewport.removeChild(viewport.firstChild);
    nodeById = {};
    sankey.nodes.forEach(function (n) { nodeById[n.id] = n; });
    var links = svgEl('g', { 'class': 'links' }), nodes = svgEl('g', { 'class': 'nodes' });
    sankey.links.forEach(function (link, i) {
      var r = layout.links[i], xm = (r.x0 + r.x1) / 2;
      links.appendChild(svgEl('path', {
        'class': 'link', 'data-index': i, 'data-source': link.source, 'data-target': link.target,
        'data-beams': link.beam_indices.join(' '),
        d: 'M' + round2(r.x0) + ',' + round2(r.y0) + 'C' + round2(xm) + ',' + round2(r.y0) + ' ' + round2(xm) + ',' +
           round2(r.y1) + ' ' + round2(r.x1) + ',' + round2(r.y1),
        stroke: link.beam_indices.length === 1 ? beamColor(link.beam_indices[0]) : data.palette.shared,
        'stroke-width': round2(Math.max(2, r.width)), fill: 'none', 'stroke-opacity': 0.45
      }));
    });
    var colors = nodeColors(sankey.nodes);
    sankey.nodes.forEach(function (node, i) {
      var b = layout.nodes[i];
      var g = svgEl('g', { 'class': 'node', 'data-id': node.id, 'data-position': node.position });
      if (node.position === view.target) g.setAttribute('data-target', 'true');
      g.appendChild(svgEl('rect', {
        x: round2(b.x0), y: round2(b.y0), width: round2(b.x1 - b.x0), height: round2(Math.max(b.y1 - b.y0, 1)),
        fill: colors[i], stroke: '#ffffff', 'stroke-width': 1, 'fill-opacity': 0.9
      }));
      var text = svgEl('text', { x: round2(b.x1 + 6), y: round2((b.y0 + b.y1) / 2), dy: '0.35em', 'font-size': 12, fill: '#eeeeee' });
      text.textContent = truncated(label(node.position));
      g.appendChild(text);
      nodes.appendChild(g);
    });
    viewport.appendChild(links);
    viewport.appendChild(nodes);
    zoom = { k: 1, x: 0, y: 0 };
    applyZoom();
  }
  // Node colours: position scaled between the smallest and largest position drawn (Palette.nodeColors).
  function nodeColors(nodes) {
    var positions = nodes.map(function (n) { return n.position; });
    var lo = positions.length ? Math.min.apply(null, positions) : 0, hi = positions.length ? Math.max.apply(null, positions) : 0;
    return positions.map(function (p) { return viridis((p - lo) / Math.max(hi - lo, 1)); });
  }
  function linkEls() { return Array.prototype.slice.call(svg.querySelectorAll('.link')); }
  function nodeEls() { return Array.prototype.slice.call(svg.querySelectorAll('.node')); }
  function beamsOf(linkEl) {
    var s = linkEl.getAttribute('data-beams');
    return s ? s.split(' ').map(Number) : [];
  }

  function setupZoom() {
    svg.addEventListener('wheel', function (event) {
      event.preventDefault();
      var p = svgPoint(event);
      var k = Math.min(8, Math.max(0.1, zoom.k * Math.exp(-event.deltaY * 0.0015)));
      zoom.x = p.x - (p.x - zoom.x) * (k / zoom.k);
      zoom.y = p.y - (p.y - zoom.y) * (k / zoom.k);
      zoom.k = k;
      applyZoom();
    }, { passive: false });
    var drag = null;
    svg.addEventListener('pointerdown', function (event) {
      if (event.button !== 0) return;
      drag = { start: svgPoint(event), x: zoom.x, y: zoom.y, moved: false };
    });
    window.addEventListener('pointermove', function (event) {
      if (!drag) return;
      var p = svgPoint(event);
      var dx = p.x - drag.start.x, dy = p.y - drag.start.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
      if (!drag.moved) svg.classList.add('panning');
      drag.moved = true;
      zoom.x = drag.x + dx; zoom.y = drag.y + dy;
      applyZoom();
    });
    window.addEventListener('pointerup', function () {
      if (drag && drag.moved) {
        // Swallow the click that ends a drag.
        var swallow = function (e) { e.stopPropagation(); };
        svg.addEventListener('click', swallow, true);
        setTimeout(function () { svg.removeEventListener('click', swallow, true); }, 0);
      }
      drag = null;
      svg.classList.remove('panning');
    });
    document.getElementById('reset-zoom').addEventListener('click', function () {
      zoom = { k: 1, x: 0, y: 0 };
      applyZoom();
    });
  }

  // ---- selection inside the diagram -----------------------------------------------------
  function clearHighlight() {
    linkEls().forEach(function (l) { l.classList.remove('highlighted', 'dimmed'); });
    nodeEls().forEach(function (n) { n.classList.remove('faded', 'selected'); });
    tokenEls.forEach(function (t) { t.classList.remove('selected'); });
  }
  function highlightNode(id) {
    clearHighlight();
    var connected = {};
    connected[id] = true;
    linkEls().forEach(function (l) {
      var s = l.getAttribute('data-source'), t = l.getAttribute('data-target');
      if (s === id || t === id) {
        l.classList.add('highlighted');
        connected[s] = true; connected[t] = true;
      } else {
        l.classList.add('dimmed');
      }
    });
    nodeEls().forEach(function (n) {
      var nid = n.getAttribute('data-id');
      if (!connected[nid]) n.classList.add('faded');
      if (nid === id) n.classList.add('selected');
    });
    var node = nodeById[id];
    if (node && tokenEls[node.position]) tokenEls[node.position].classList.add('selected');
  }
  function showDetails(rows) {
    var box = document.getElementById('click-info');
    box.className = 'click-info';
    box.textContent = '';
    rows.forEach(function (r) { box.appendChild(item(r[0], r[1])); });
  }
  function showNode(id) {
    var node = nodeById[id];
    highlightNode(id);
    showDetails([['Type', 'Node'], ['Position', node.position], ['Token', trace.tokens[node.position]],
                 ['Shown as', label(node.position)], ['Token ID', tokenId(node.position)]]);
  }
  function showLink(index) {
    var link = view.sankey.links[index];
    var s = nodeById[link.source], t = nodeById[link.target];
    showDetails([['Type', 'Link'], ['From', label(s.position) + ' (' + s.position + ')'],
                 ['To', label(t.position) + ' (' + t.position + ')'], ['Attention', link.value.toFixed(4)],
                 ['Beams', link.beam_indices.map(function (i) { return i + 1; }).join(', ')]]);
  }
  function clearDetails() {
    var box = document.getElementById('click-info');
    box.className = 'click-info empty';
    box.textContent = 'Click a node or link for details';
  }
  function clearAll() {
    clearHighlight();
    clearDetails();
  }
  function bindDiagram() {
    function target(event, selector) { return event.target.closest ? event.target.closest(selector) : null; }
    svg.addEventListener('click', function (event) {
      var node = target(event, '.node'), link = target(event, '.link');
      if (node) showNode(node.getAttribute('data-id'));
      else if (link) showLink(Number(link.getAttribute('data-index')));
      else clearAll();
    });
    svg.addEventListener('mousemove', function (event) {
      var node = target(event, '.node'), link = target(event, '.link');
      if (node) {
        var p = nodeById[node.getAttribute('data-id')].position;
        showTooltip(event, 'Position ' + p + '\n' + label(p));
      } else if (link) {
        var l = view.sankey.links[Number(link.getAttribute('data-index'))];
        showTooltip(event, label(nodeById[l.source].position) + ' \u2192 ' + label(nodeById[l.target].position) +
          '\nAttention: ' + l.value.toFixed(4));
      } else {
        hideTooltip();
      }
    });
    svg.addEventListener('mouseleave', hideTooltip);
    document.getElementById('clear-selection').addEventListener('click', function () { clearAll(); setBeam('all'); });
  }

  // ---- beam filter ----------------------------------------------------------------------
  function setBeam(value) {
    selectedBeam = value === 'all' || value === null || Number(value) >= view.beams.length ? null : Number(value);
    document.getElementById('beam-filter').value = selectedBeam === null ? 'all' : String(selectedBeam);
    var onBeam = {};
    if (selectedBeam !== null) view.beams[selectedBeam].positions.forEach(function (p) { onBeam[p] = true; });
    linkEls().forEach(function (l) {
      l.classList.toggle('hidden', selectedBeam !== null && beamsOf(l).indexOf(selectedBeam) === -1);
    });
    nodeEls().forEach(function (n) {
      n.classList.toggle('faded', selectedBeam !== null && !onBeam[Number(n.getAttribute('data-position'))]);
    });
    tokenEls.forEach(function (t, p) {
      t.classList.toggle('faded', selectedBeam !== null && t.classList.contains('traced') && !onBeam[p]);
    });
    document.querySelectorAll('.beam-item').forEach(function (b, i) {
      b.classList.toggle('selected', i === selectedBeam);
    });
  }

  // ---- tooltips -------------------------------------------------------------------------
  function showTooltip(event, text) {
    var tip = document.getElementById('tooltip');
    tip.textContent = text;
    tip.style.display = 'block';
    tip.style.left = (event.clientX + 12) + 'px';
    tip.style.top = (event.clientY + 12) + 'px';
  }
  function hideTooltip() { document.getElementById('tooltip').style.display = 'none'; }

  // ---- panels ---------------------------------------------------------------------------
  function buildMetadata() {
    var box = document.getElementById('metadata-info');
    box.textContent = '';
    var m = trace.metadata, s = view.settings;
    [['Sequence length', m.seq_len], ['Target position', view.target], ['Target token', label(view.target)],
     ['Layer', view.acrossLayers ? '0\u2013' + view.layer + ', paths through the layers' : view.layer],
     ['Top beam', s.topBeam], ['Top k', s.topK]]
      .forEach(function (r) { box.appendChild(item(r[0], r[1])); });
    var extra = [['Model', m.model], ['Search', s.mode], ['Length norm', s.lengthNorm], ['Min attention', s.minAttn],
                 ['Stop at BOS', s.stopAtBOS], ['Heads', s.agg]];
    extra.forEach(function (r) { if (r[1] !== undefined && r[1] !== null) box.appendChild(item(r[0], r[1])); });
    if (s.sink && s.sinkPositions && s.sinkPositions.length) {
      box.appendChild(item('Sinks', s.sink + ' (position' + (s.sinkPositions.length === 1 ? ' ' : 's ') + s.sinkPositions.join(', ') + ')'));
    }
    if (typeof s.sinkMass === 'number') box.appendChild(item('Sink mass', RatExplorer.formatFixed(s.sinkMass, 4)));
    var c = view.comparison;
    if (c) {
      box.appendChild(item('Beam found optimum', c.beam_found_optimum ? 'yes' : 'no'));
      if (!c.beam_found_optimum) box.appendChild(item('Beam missed by', c.score_gap.toFixed(4)));
      box.appendChild(item('Best paths beam found', c.beam_paths_in_exact_top + ' of ' + c.exact_path_count));
    }
    var f = view.faithfulness;
    if (f) {
      box.appendChild(item('Prediction', JSON.stringify(f.predicted_token) + ' (id ' + f.predicted_token_id + ', log p ' +
                           RatExplorer.formatFixed(f.base_logprob, 4) + ')'));
      if (f.baseline) {
        box.appendChild(item('Random edges', RatExplorer.formatFixed(f.baseline.mean_delta_logprob, 4) + ' \u00b1 ' +
                             RatExplorer.formatFixed(f.baseline.sd_delta_logprob, 4) + ' (' + f.baseline.sets_per_path +
                             ' sets per path, seed ' + f.baseline.seed + ')'));
      }
    }
    view.warnings.forEach(function (w) { box.appendChild(el('div', 'warning', w)); });
    if (ex) box.appendChild(item('Explorer', ex.layers.length + ' layer' + (ex.layers.length === 1 ? '' : 's') +
                                 ', ' + ex.topKMax + ' predecessors per position'));
  }
  function buildBeams() {
    var list = document.getElementById('beam-list');
    var filter = document.getElementById('beam-filter');
    list.textContent = '';
    while (filter.options.length > 1) filter.remove(1);
    view.beams.forEach(function (beam, i) {
      var b = el('div', 'beam-item');
      b.style.borderLeftColor = beamColor(i);
      var header = el('div', 'beam-header');
      var index = el('span', 'beam-index');
      var swatch = el('span', 'swatch');
      swatch.style.background = beamColor(i);
      index.appendChild(swatch);
      index.appendChild(document.createTextNode('Beam ' + (i + 1)));
      header.appendChild(index);
      header.appendChild(el('span', 'beam-score', RatExplorer.formatFixed(beam.score_norm, 4)));
      var effect = beamEffect(i);
      if (effect) {
        var delta = el('span', 'beam-delta', effect);
        delta.title = 'Change in log-probability of the predicted token with this path\u2019s edges knocked out';
        header.appendChild(delta);
      }
      b.appendChild(header);
      b.appendChild(el('div', 'beam-path', view.pathsText[i]));
      b.addEventListener('click', function () { setBeam(selectedBeam === i ? 'all' : i); });
      list.appendChild(b);
      var option = el('option', null, 'Beam ' + (i + 1));
      option.value = String(i);
      filter.appendChild(option);
    });
    if (view.beams.length === 0) list.appendChild(el('div', 'click-info empty', 'No paths'));
    // The CLI's lines, exactly.
    document.getElementById('paths').textContent = view.pathsText.map(function (line, i) {
      var effect = beamEffect(i);
      return 'Beam ' + (i + 1) + ': ' + line + (effect ? '  ' + effect : '');
    }).join('\n');
  }
  // `--verify`: what knocking out beam i's edges did, as the CLI prints it.
  function beamEffect(i) {
    var f = view.faithfulness && view.faithfulness.beams[i];
    if (!f) return null;
    var text = '\u0394logprob ' + RatExplorer.formatFixed(f.delta_logprob, 4);
    if (typeof f.baseline_mean === 'number' && typeof f.baseline_sd === 'number') {
      text += ' (random ' + RatExplorer.formatFixed(f.baseline_mean, 4) + ' \u00b1 ' + RatExplorer.formatFixed(f.baseline_sd, 4) + ')';
    }
    return text;
  }
  function buildText() {
    var box = document.getElementById('text-view');
    var frag = document.createDocumentFragment();
    trace.tokens.forEach(function (token, p) {
      var span = el('span', 'tok', token.indexOf('\uFFFD') !== -1 ? label(p) : token);
      span.setAttribute('data-position', String(p));
      span.title = 'Position ' + p + ': ' + label(p);
      span.addEventListener('click', function () { clickToken(p); });
      frag.appendChild(span);
      tokenEls.push(span);
    });
    box.appendChild(frag);
  }
  function clickToken(p) {
    if (ex) {
      update({ target: p });
    } else {
      // Through the layers a position has a node per layer: show the highest.
      var ids = view.sankey.nodes.filter(function (n) { return n.position === p; }).map(function (n) { return n.id; });
      if (ids.length) showNode(ids[ids.length - 1]);
    }
  }
  // Colours the tokens on the paths as their nodes, and outlines the target.
  function updateText() {
    var colors = nodeColors(view.sankey.nodes), byPosition = {};
    view.sankey.nodes.forEach(function (n, i) { byPosition[n.position] = colors[i]; });
    var marked = document.querySelectorAll('.tok.traced, .tok.target');
    Array.prototype.forEach.call(marked, function (span) {
      span.classList.remove('traced', 'target', 'faded');
      span.style.background = '';
      span.style.color = '';
    });
    Object.keys(byPosition).forEach(function (key) {
      var span = tokenEls[Number(key)];
      if (!span) return;
      span.classList.add('traced');
      span.style.background = byPosition[key];
      span.style.color = textOn(byPosition[key]);
    });
    if (tokenEls[view.target]) tokenEls[view.target].classList.add('target');
  }

  // ---- heatmap: the selected layer's attention, as the explorer holds it -------------------
  function heatCanvas() { return document.getElementById('heatmap'); }
  // One pixel per (query, key) cell, or per bin of cells on long texts; each row's candidates
  // coloured by sqrt(weight) (a bin shows its strongest cell).
  function buildHeatImage() {
    var key = state.layerIndex + ':' + state.aggIndex;
    if (heat.key === key) return;
    var n = ex.seqLen, size = Math.min(n, 2048), cap = ex.cap;
    var off = document.createElement('canvas');
    off.width = size; off.height = size;
    var ctx = off.getContext('2d');
    var img = ctx.createImageData(size, size), px = img.data;
    var best = new Float32Array(size * size);
    for (var p = 1; p < n; p++) {
      var r = (state.layerIndex * ex.aggregations.length + state.aggIndex) * n + p;
      var row = Math.floor(p * size / n);
      for (var c = 0; c < ex.counts[r]; c++) {
        var q = ex.positions[r * cap + c], w = ex.weights[r * cap + c];
        var cell = row * size + Math.floor(q * size / n);
        if (w > best[cell]) best[cell] = w;
      }
    }
    var background = rgb('#1a1a2e'), lut = [];
    for (var i = 0; i <= 255; i++) lut.push(rgb(viridis(Math.sqrt(i / 255))));
    for (var j = 0; j < size * size; j++) {
      var color = best[j] > 0 ? lut[Math.max(1, Math.round(Math.min(best[j], 1) * 255))] : background;
      px[4 * j] = color[0]; px[4 * j + 1] = color[1]; px[4 * j + 2] = color[2]; px[4 * j + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    heat.key = key; heat.image = off; heat.size = size;
  }
  function drawHeat() {
    var canvas = heatCanvas(), ctx = canvas.getContext('2d');
    buildHeatImage();
    var s = canvas.width / heat.size * heat.k;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#1a1a2e';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(s, 0, 0, s, heat.x, heat.y);
    ctx.drawImage(heat.image, 0, 0);
    // The target row.
    var row = Math.floor(view.target * heat.size / ex.seqLen);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.strokeStyle = '#ffd166';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(heat.x - 1, heat.y + row * s - 1, heat.size * s + 2, Math.max(s, 1) + 2);
    document.getElementById('heatmap-layer').textContent = view.layer + ' (' + view.settings.agg + ')';
  }
  // The (query, key) positions under a point of the canvas, or null.
  function heatCell(event) {
    var canvas = heatCanvas(), box = canvas.getBoundingClientRect();
    var s = canvas.width / heat.size * heat.k;
    var x = (event.clientX - box.left) * canvas.width / box.width, y = (event.clientY - box.top) * canvas.height / box.height;
    var col = Math.floor((x - heat.x) / s), row = Math.floor((y - heat.y) / s);
    if (col < 0 || row < 0 || col >= heat.size || row >= heat.size) return null;
    var n = ex.seqLen;
    return { query: Math.min(n - 1, Math.floor(row * n / heat.size)), key: Math.min(n - 1, Math.floor(col * n / heat.size)) };
  }
  function setupHeatmap() {
    var canvas = heatCanvas(), drag = null;
    canvas.addEventListener('wheel', function (event) {
      event.preventDefault();
      var box = canvas.getBoundingClientRect();
      var x = (event.clientX - box.left) * canvas.width / box.width, y = (event.clientY - box.top) * canvas.height / box.height;
      var k = Math.min(64, Math.max(1, heat.k * Math.exp(-event.deltaY * 0.0015)));
      heat.x = x - (x - heat.x) * (k / heat.k);
      heat.y = y - (y - heat.y) * (k / heat.k);
      heat.k = k;
      if (k === 1) { heat.x = 0; heat.y = 0; }
      drawHeat();
    }, { passive: false });
    canvas.addEventListener('pointerdown', function (event) {
      drag = { x: event.clientX, y: event.clientY, hx: heat.x, hy: heat.y, moved: false };
    });
    canvas.addEventListener('pointermove', function (event) {
      if (drag && (drag.moved || Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3)) {
        drag.moved = true;
        var box = canvas.getBoundingClientRect();
        heat.x = drag.hx + (event.clientX - drag.x) * canvas.width / box.width;
        heat.y = drag.hy + (event.clientY - drag.y) * canvas.height / box.height;
        drawHeat();
        return;
      }
      var cell = heatCell(event);
      if (!cell) { hideTooltip(); return; }
      var w = weightOf(cell.query, cell.key);
      showTooltip(event, 'query ' + cell.query + ' ' + label(cell.query) + '\n\u2192 key ' + cell.key + ' ' + label(cell.key) +
        (w === null ? '\nnot among its ' + ex.cap + ' strongest' : '\nattention ' + w.toFixed(4)));
    });
    canvas.addEventListener('pointerleave', hideTooltip);
    canvas.addEventListener('pointerup', function (event) {
      var moved = drag && drag.moved;
      drag = null;
      if (moved) return;
      var cell = heatCell(event);
      if (cell) update({ target: cell.query });
    });
    canvas.addEventListener('dblclick', function () { heat.k = 1; heat.x = 0; heat.y = 0; drawHeat(); });
  }
  function weightOf(query, key) {
    var r = (state.layerIndex * ex.aggregations.length + state.aggIndex) * ex.seqLen + query;
    for (var c = 0; c < ex.counts[r]; c++) {
      if (ex.positions[r * ex.cap + c] === key) return ex.weights[r * ex.cap + c];
    }
    return null;
  }

  // ---- layer strip: the target's row at every layer ----------------------------------------
  function buildStrip() {
    var strip = document.getElementById('layer-strip');
    ex.layers.forEach(function (layer, li) {
      var cell = el('button', 'layer-cell');
      cell.type = 'button';
      cell.setAttribute('data-layer', String(layer));
      var canvas = el('canvas');
      canvas.width = 150; canvas.height = 40;
      cell.appendChild(canvas);
      cell.appendChild(el('span', 'layer-label'));
      cell.addEventListener('click', function () { update({ layerIndex: li }); });
      strip.appendChild(cell);
    });
  }
  function drawStrip() {
    var cells = document.querySelectorAll('.layer-cell'), t = view.target, n = ex.seqLen;
    Array.prototype.forEach.call(cells, function (cell, li) {
      var canvas = cell.querySelector('canvas'), ctx = canvas.getContext('2d');
      ctx.fillStyle = '#0f3460';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      var r = (li * ex.aggregations.length + state.aggIndex) * n + t, top = null;
      for (var c = 0; c < ex.counts[r]; c++) {
        var q = ex.positions[r * ex.cap + c], w = ex.weights[r * ex.cap + c];
        if (top === null) top = { q: q, w: w };
        var x = 2 + (t > 1 ? q / (t - 1) : 0) * (canvas.width - 6);
        var h = Math.max(1, w * (canvas.height - 4));
        ctx.fillStyle = viridis(Math.sqrt(w));
        ctx.fillRect(x, canvas.height - 2 - h, 2, h);
      }
      cell.classList.toggle('selected', li === state.layerIndex);
      cell.querySelector('.layer-label').textContent = 'L' + ex.layers[li] +
        (top ? ' \u2192 ' + truncated(label(top.q)) + ' ' + top.w.toFixed(2) : '');
      cell.title = 'Layer ' + ex.layers[li] + (top ? ': strongest predecessor of position ' + t + ' is ' + top.q + ' ' +
        label(top.q) + ' (' + top.w.toFixed(4) + ')' : ': no predecessors');
    });
  }

  // ---- the explorer's selection: controls, URL fragment ------------------------------------
  function initialState() {
    var m = trace.metadata;
    var layerIndex = ex.layers.indexOf(m.layer);
    var aggIndex = ex.aggregations.indexOf(m.agg_heads === undefined || m.agg_heads === null ? 'given' : m.agg_heads);
    return {
      target: m.target_pos, layerIndex: layerIndex === -1 ? ex.layers.length - 1 : layerIndex,
      aggIndex: aggIndex === -1 ? 0 : aggIndex, topK: Math.min(m.top_k, ex.topKMax), topBeam: m.top_beam,
      minAttn: m.min_attn === undefined || m.min_attn === null ? 0 : m.min_attn,
      lengthNorm: m.length_norm || 'avg_logprob', stopAtBOS: m.stop_at_bos === undefined || m.stop_at_bos === null ? true : m.stop_at_bos,
      mode: m.search_mode || 'beam', sink: m.sink || 'keep'
    };
  }
  function copy(s) { return JSON.parse(JSON.stringify(s)); }
  var maxTopBeam = 100;
  // Reads `#target=T&layer=L&agg=A&top_k=K&top_beam=B[&min_attn=…&length_norm=…&search=…&stop_at_bos=0|1]`.
  // Returns {state} or {error}.
  function parseFragment(hash) {
    var s = copy(initial), text = hash.replace(/^#/, '');
    if (!text) return { state: s };
    var parts = text.split('&');
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      var eq = parts[i].indexOf('=');
      var key = eq === -1 ? parts[i] : parts[i].slice(0, eq);
      var raw = eq === -1 ? '' : parts[i].slice(eq + 1), value;
      try { value = decodeURIComponent(raw); } catch (e) { return { error: key + ' is not valid URL text' }; }
      var int = /^-?\d+$/.test(value) ? Number(value) : NaN;
      switch (key) {
        case 'target':
          if (!(int >= 0 && int < ex.seqLen)) return { error: 'target=' + value + ' is not a position of this text (0\u2013' + (ex.seqLen - 1) + ')' };
          s.target = int; break;
        case 'layer':
          var li = ex.layers.indexOf(int);
          if (li === -1) return { error: 'layer=' + value + ' is not a layer of this page (' + layerRange() + ')' };
          s.layerIndex = li; break;
        case 'agg':
          var ai = ex.aggregations.indexOf(value);
          if (ai === -1) return { error: 'agg=' + value + ' is not one of ' + ex.aggregations.join(', ') };
          s.aggIndex = ai; break;
        case 'top_k':
          if (!(int >= 1 && int <= ex.topKMax)) return { error: 'top_k=' + value + ' is not in 1\u2013' + ex.topKMax + ' (the page holds ' + ex.topKMax + ' predecessors per position)' };
          s.topK = int; break;
        case 'top_beam':
          if (!(int >= 1 && int <= maxTopBeam)) return { error: 'top_beam=' + value + ' is not in 1\u2013' + maxTopBeam };
          s.topBeam = int; break;
        case 'min_attn':
          var x = value === '' ? NaN : Number(value);
          if (!isFinite(x)) return { error: 'min_attn=' + value + ' is not a finite number' };
          s.minAttn = x; break;
        case 'length_norm':
          try { RatExplorer.parseLengthNorm(value); } catch (e) { return { error: 'length_norm: ' + e.message }; }
          s.lengthNorm = value; break;
        case 'search':
          if (value !== 'beam' && value !== 'exact') return { error: 'search=' + value + ' is not beam or exact' };
          s.mode = value; break;
        case 'sink':
          if (['keep', 'drop', 'renorm'].indexOf(value) === -1) return { error: 'sink=' + value + ' is not keep, drop or renorm' };
          if (value !== 'keep' && !ex.sinkPositions.length) return { error: 'sink=' + value + ': this page holds no sink data' };
          s.sink = value; break;
        case 'stop_at_bos':
          if (['0', '1', 'true', 'false'].indexOf(value) === -1) return { error: 'stop_at_bos=' + value + ' is not 0 or 1' };
          s.stopAtBOS = value === '1' || value === 'true'; break;
        default:
          return { error: '"' + key + '" is not a setting of this page' };
      }
    }
    return { state: s };
  }
  function layerRange() {
    var l = ex.layers;
    return l.length === 1 ? String(l[0]) : l[0] + '\u2013' + l[l.length - 1] + (l.length === l[l.length - 1] - l[0] + 1 ? '' : ', some');
  }
  // rat's defaults for the settings a fragment may leave out.
  var cliDefaults = { minAttn: 0, lengthNorm: 'avg_logprob', mode: 'beam', stopAtBOS: true, sink: 'keep' };
  // The canonical fragment: the five main settings always, the others when they differ from
  // rat's defaults or from the trace's own (a fragment that leaves them out means the trace's own).
  function fragmentOf(s) {
    function text(v) { return encodeURIComponent(String(v)).replace(/%3A/g, ':'); }
    var parts = ['target=' + s.target, 'layer=' + ex.layers[s.layerIndex], 'agg=' + text(ex.aggregations[s.aggIndex]),
                 'top_k=' + s.topK, 'top_beam=' + s.topBeam];
    function differs(key) { return s[key] !== cliDefaults[key] || s[key] !== initial[key]; }
    if (differs('minAttn')) parts.push('min_attn=' + text(s.minAttn));
    if (differs('lengthNorm')) parts.push('length_norm=' + text(s.lengthNorm));
    if (differs('mode')) parts.push('search=' + s.mode);
    if (differs('stopAtBOS')) parts.push('stop_at_bos=' + (s.stopAtBOS ? 1 : 0));
    if (differs('sink')) parts.push('sink=' + s.sink);
    return '#' + parts.join('&');
  }
  function writeFragment() {
    var fragment = fragmentOf(state);
    if (location.hash === fragment) return;
    try {
      history.replaceState(null, '', fragment);
    } catch (e) {
      location.hash = fragment;
    }
  }
  function readFragment() {
    var parsed = parseFragment(location.hash);
    if (parsed.error) {
      notes.fragment = 'The link asked for something this page does not hold (' + parsed.error + '): showing the trace\u2019s own view.';
      return copy(initial);
    }
    notes.fragment = null;
    return parsed.state;
  }
  function showNotes() {
    var box = document.getElementById('note');
    var shown = [ex && ex.note, notes.fragment, notes.search].filter(function (n) { return n; });
    box.textContent = shown.join(' ');
    box.hidden = shown.length === 0;
  }

  // The controls' listeners, bound once (they read the current explorer when they fire).
  function bindControls() {
    var form = document.getElementById('explorer-controls');
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    var slider = document.getElementById('layer-slider'), input = document.getElementById('layer-input');
    slider.addEventListener('input', function () { update({ layerIndex: Number(slider.value) }); });
    // An emptied field (being retyped) changes nothing.
    input.addEventListener('change', function () {
      if (input.value === '') return;
      var li = ex.layers.indexOf(Number(input.value));
      if (li === -1) {
        // The nearest explored layer.
        var wanted = Number(input.value), best = 0;
        ex.layers.forEach(function (l, i) { if (Math.abs(l - wanted) < Math.abs(ex.layers[best] - wanted)) best = i; });
        li = best;
      }
      update({ layerIndex: li });
    });
    function integerControl(element, key, hi) {
      element.addEventListener('change', function () {
        if (element.value === '') return;
        var v = Math.round(Number(element.value));
        if (!isFinite(v)) { syncControls(); return; }
        var change = {};
        change[key] = Math.min(hi(), Math.max(1, v));
        update(change);
      });
    }
    integerControl(document.getElementById('top-k'), 'topK', function () { return ex.topKMax; });
    integerControl(document.getElementById('top-beam'), 'topBeam', function () { return maxTopBeam; });
    var minAttn = document.getElementById('min-attn');
    minAttn.addEventListener('change', function () {
      if (minAttn.value === '') return;
      var v = Number(minAttn.value);
      if (!isFinite(v)) { syncControls(); return; }
      update({ minAttn: v });
    });
    var norm = document.getElementById('length-norm'), alpha = document.getElementById('norm-alpha');
    function normChanged() {
      if (norm.value !== 'pow') { update({ lengthNorm: norm.value }); return; }
      if (alpha.value === '' && !alpha.hidden) return;
      var a = alpha.value === '' ? 0.7 : Number(alpha.value);
      if (!isFinite(a)) { syncControls(); return; }
      update({ lengthNorm: 'pow:' + a });
    }
    norm.addEventListener('change', normChanged);
    alpha.addEventListener('change', normChanged);
    document.getElementById('search-mode').addEventListener('change', function (e) { update({ mode: e.target.value }); });
    document.getElementById('stop-at-bos').addEventListener('change', function (e) { update({ stopAtBOS: e.target.checked }); });
    document.getElementById('sink-mode').addEventListener('change', function (e) { update({ sink: e.target.value }); });
    document.getElementById('reset-view').addEventListener('click', function () { notes.fragment = null; apply(copy(initial)); });
    window.addEventListener('hashchange', function () {
      if (ex && location.hash !== fragmentOf(state)) apply(readFragment());
    });
  }
  // The controls' ranges and the aggregation toggle, for the current explorer.
  function configureControls() {
    var slider = document.getElementById('layer-slider'), input = document.getElementById('layer-input');
    slider.max = String(ex.layers.length - 1);
    input.min = String(ex.layers[0]);
    input.max = String(ex.layers[ex.layers.length - 1]);
    document.getElementById('top-k').max = String(ex.topKMax);
    document.getElementById('sink-control').hidden = !ex.sinkPositions.length;
    var aggBox = document.getElementById('agg-options');
    aggBox.textContent = '';
    ex.aggregations.forEach(function (name, ai) {
      var id = 'agg-' + name;
      var radio = el('input');
      radio.type = 'radio'; radio.name = 'agg'; radio.id = id; radio.value = name;
      radio.addEventListener('change', function () { if (radio.checked) update({ aggIndex: ai }); });
      aggBox.appendChild(radio);
      var l = el('label', null, name);
      l.htmlFor = id;
      aggBox.appendChild(l);
    });
  }
  function syncControls() {
    document.getElementById('layer-slider').value = String(state.layerIndex);
    document.getElementById('layer-input').value = String(ex.layers[state.layerIndex]);
    var radio = document.getElementById('agg-' + ex.aggregations[state.aggIndex]);
    if (radio) radio.checked = true;
    document.getElementById('top-k').value = String(state.topK);
    document.getElementById('top-beam').value = String(state.topBeam);
    document.getElementById('min-attn').value = String(state.minAttn);
    var norm = RatExplorer.parseLengthNorm(state.lengthNorm);
    document.getElementById('length-norm').value = norm.kind;
    var alpha = document.getElementById('norm-alpha');
    alpha.hidden = norm.kind !== 'pow';
    if (norm.kind === 'pow') alpha.value = String(norm.alpha);
    document.getElementById('search-mode').value = state.mode;
    document.getElementById('stop-at-bos').checked = state.stopAtBOS;
    document.getElementById('sink-mode').value = state.sink;
  }

  // ---- drawing everything ---------------------------------------------------------------
  function update(change) {
    var next = copy(state);
    Object.keys(change).forEach(function (k) { next[k] = change[k]; });
    apply(next);
  }
  // Runs the search for a selection and redraws; a selection the search refuses keeps the
  // previous view and says why.
  function apply(next) {
    var started = performance.now();
    var computed;
    try {
      computed = explorerView(next);
    } catch (error) {
      notes.search = 'Not shown: ' + error.message;
      showNotes();
      if (state) {
        syncControls();
      } else {
        // Not even the first view: draw the trace as written, so the page is never blank.
        view = traceView();
        redraw();
      }
      return;
    }
    notes.search = null;
    state = next;
    view = computed;
    redraw();
    syncControls();
    drawHeat();
    drawStrip();
    writeFragment();
    showNotes();
    document.body.setAttribute('data-render-ms', String(Math.round((performance.now() - started) * 10) / 10));
    document.body.setAttribute('data-view', fragmentOf(state));
  }
  function redraw() {
    selectedBeam = null;
    clearDetails();
    drawDiagram();
    buildMetadata();
    buildBeams();
    updateText();
    setBeam('all');
  }

  // TokenLabel.readable: whitespace made visible, byte fragments named (for data without labels).
  var visible = { ' ': '\u00B7', '\n': '\u21B5', '\r': '\u240D', '\t': '\u21E5', '\u00A0': '\u237D',
                  '\u200B': '\u2039ZW\u203A', '\u200C': '\u2039ZW\u203A', '\u200D': '\u2039ZW\u203A', '\uFEFF': '\u2039ZW\u203A' };
  function readable(token) {
    if (token === '') return '\u2205';
    var scalars = Array.from(token);
    if (scalars.every(function (c) { return c === '\uFFFD'; })) {
      return scalars.length === 1 ? '\u2039byte\u203A' : '\u2039' + scalars.length + ' bytes\u203A';
    }
    return scalars.map(function (c) { return visible[c] || c; }).join('');
  }

  // Shows a trace (and its explorer, if any): the first at load, then whatever `rat.load` is given.
  function start(newData, useFragment) {
    var palette = data && data.palette;
    data = newData;
    if (!data.palette) data.palette = palette;
    trace = data.trace;
    if (!data.labels) data.labels = trace.tokens.map(readable);
    tokenEls = [];
    document.getElementById('text-view').textContent = '';
    buildText();
    heat = { key: null, image: null, size: 0, k: 1, x: 0, y: 0 };
    document.getElementById('layer-strip').textContent = '';
    notes = { fragment: null, search: null };
    state = null;
    if (data.explore) {
      ex = RatExplorer.decode(data.explore);
      ex.tokenIDs = data.explore.token_ids;
      ex.note = data.explore.note;
      initial = initialState();
      configureControls();
      document.getElementById('explorer-controls').hidden = false;
      document.getElementById('attention-panel').hidden = false;
      document.getElementById('text-hint').textContent = 'click a token to trace from it';
      buildStrip();
      apply(useFragment ? readFragment() : copy(initial));
    } else {
      ex = null;
      document.getElementById('explorer-controls').hidden = true;
      document.getElementById('attention-panel').hidden = true;
      document.getElementById('text-hint').textContent = 'click a coloured token to find it in the diagram';
      view = traceView();
      redraw();
      showNotes();
    }
  }

  function init() {
    try {
      svg = document.getElementById('sankey');
      viewport = document.getElementById('viewport');
      setupZoom();
      bindDiagram();
      bindControls();
      setupHeatmap();
      document.getElementById('beam-filter').addEventListener('change', function (e) { setBeam(e.target.value); });
      start(JSON.parse(document.getElementById('rat-data').textContent), true);
      // For scripts and tests: the current view and selection; `load` shows another trace
      // (trace.json as `trace`, and `explore` as the page embeds it), as the served page does.
      window.rat = {
        view: function () { return view; },
        selection: function () { return state && { target: state.target, layer: ex.layers[state.layerIndex], agg: ex.aggregations[state.aggIndex],
          top_k: state.topK, top_beam: state.topBeam, min_attn: state.minAttn, length_norm: state.lengthNorm,
          stop_at_bos: state.stopAtBOS, search: state.mode, sink: state.sink }; },
        load: function (newData) { start(newData, false); },
        readable: readable
      };
      document.body.setAttribute('data-ready', 'true');
    } catch (error) {
      var box = el('div', 'error', 'This page could not start: ' + error);
      document.body.insertBefore(box, document.body.firstChild);
      throw error;
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
"""#
