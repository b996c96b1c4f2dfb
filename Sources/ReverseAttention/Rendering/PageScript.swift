/// The page's script: plain JavaScript over the inline SVG, no libraries. It adds zoom (wheel),
/// pan (drag), reset, click-to-highlight, the beam filter, the side panels, tooltips and the
/// text view. All token text is set with `textContent`, never parsed as HTML.
let pageScript = #"""
(function () {
  'use strict';
  var data, trace, svg, viewport;
  var view = { k: 1, x: 0, y: 0 };
  var selectedBeam = null;
  var selectedNode = null;
  var nodeById = {};
  var linkEls = [];
  var nodeEls = [];
  var tokenEls = [];

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
  function tokenId(position) {
    for (var b = 0; b < trace.beams.length; b++) {
      var i = trace.beams[b].positions.indexOf(position);
      if (i !== -1) return trace.beams[b].token_ids[i];
    }
    return 'N/A';
  }
  function isDark(hex) {
    var r = parseInt(hex.substr(1, 2), 16), g = parseInt(hex.substr(3, 2), 16), b = parseInt(hex.substr(5, 2), 16);
    return 0.299 * r + 0.587 * g + 0.114 * b < 140;
  }
  function beamsOf(linkEl) {
    var s = linkEl.getAttribute('data-beams');
    return s ? s.split(' ').map(Number) : [];
  }

  // ---- zoom and pan ---------------------------------------------------------------------
  function applyView() {
    viewport.setAttribute('transform', 'translate(' + view.x + ',' + view.y + ') scale(' + view.k + ')');
  }
  function svgPoint(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX; p.y = event.clientY;
    var m = svg.getScreenCTM();
    return m ? p.matrixTransform(m.inverse()) : { x: 0, y: 0 };
  }
  function setupZoom() {
    svg.addEventListener('wheel', function (event) {
      event.preventDefault();
      var p = svgPoint(event);
      var k = Math.min(8, Math.max(0.1, view.k * Math.exp(-event.deltaY * 0.0015)));
      view.x = p.x - (p.x - view.x) * (k / view.k);
      view.y = p.y - (p.y - view.y) * (k / view.k);
      view.k = k;
      applyView();
    }, { passive: false });
    var drag = null;
    svg.addEventListener('pointerdown', function (event) {
      if (event.button !== 0) return;
      drag = { start: svgPoint(event), x: view.x, y: view.y, moved: false };
    });
    window.addEventListener('pointermove', function (event) {
      if (!drag) return;
      var p = svgPoint(event);
      var dx = p.x - drag.start.x, dy = p.y - drag.start.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
      if (!drag.moved) svg.classList.add('panning');
      drag.moved = true;
      // The CTM already includes nothing of the viewport transform, so deltas are in view units.
      view.x = drag.x + dx; view.y = drag.y + dy;
      applyView();
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
      view = { k: 1, x: 0, y: 0 };
      applyView();
    });
  }

  // ---- selection ------------------------------------------------------------------------
  function clearHighlight() {
    selectedNode = null;
    linkEls.forEach(function (l) { l.classList.remove('highlighted', 'dimmed'); });
    nodeEls.forEach(function (n) { n.classList.remove('faded', 'selected'); });
    tokenEls.forEach(function (t) { t.classList.remove('selected'); });
  }
  function highlightNode(id) {
    clearHighlight();
    selectedNode = id;
    var connected = {};
    connected[id] = true;
    linkEls.forEach(function (l) {
      var s = l.getAttribute('data-source'), t = l.getAttribute('data-target');
      if (s === id || t === id) {
        l.classList.add('highlighted');
        connected[s] = true; connected[t] = true;
      } else {
        l.classList.add('dimmed');
      }
    });
    nodeEls.forEach(function (n) {
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
    var link = trace.sankey.links[index];
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

  // ---- beam filter ----------------------------------------------------------------------
  function setBeam(value) {
    selectedBeam = value === 'all' || value === null ? null : Number(value);
    document.getElementById('beam-filter').value = selectedBeam === null ? 'all' : String(selectedBeam);
    var onBeam = {};
    if (selectedBeam !== null) trace.beams[selectedBeam].positions.forEach(function (p) { onBeam[p] = true; });
    linkEls.forEach(function (l) {
      l.classList.toggle('hidden', selectedBeam !== null && beamsOf(l).indexOf(selectedBeam) === -1);
    });
    nodeEls.forEach(function (n) {
      n.classList.toggle('faded', selectedBeam !== null && !onBeam[Number(n.getAttribute('data-position'))]);
    });
    tokenEls.forEach(function (t, p) {
      if (t.classList.contains('traced')) t.classList.toggle('faded', selectedBeam !== null && !onBeam[p]);
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
    var m = trace.metadata || {};
    [['Sequence length', trace.metadata.seq_len], ['Target position', m.target_pos],
     ['Target token', label(m.target_pos)], ['Layer', m.layer], ['Top beam', m.top_beam], ['Top k', m.top_k]]
      .forEach(function (r) { box.appendChild(item(r[0], r[1])); });
    var extra = [['Model', m.model], ['Search', m.search_mode], ['Length norm', m.length_norm],
                 ['Min attention', m.min_attn], ['Stop at BOS', m.stop_at_bos], ['Heads', m.agg_heads]];
    extra.forEach(function (r) { if (r[1] !== undefined && r[1] !== null) box.appendChild(item(r[0], r[1])); });
    var c = trace.search_comparison;
    if (c) {
      box.appendChild(item('Beam found optimum', c.beam_found_optimum ? 'yes' : 'no'));
      if (!c.beam_found_optimum) box.appendChild(item('Beam missed by', c.score_gap.toFixed(4)));
      box.appendChild(item('Best paths beam found', c.beam_paths_in_exact_top + ' of ' + c.exact_path_count));
    }
  }
  function buildBeams() {
    var list = document.getElementById('beam-list');
    var filter = document.getElementById('beam-filter');
    trace.beams.forEach(function (beam, i) {
      var b = el('div', 'beam-item');
      b.style.borderLeftColor = data.beamColors[i];
      var header = el('div', 'beam-header');
      var index = el('span', 'beam-index', 'Beam ' + (i + 1));
      index.style.color = data.beamColors[i];
      header.appendChild(index);
      header.appendChild(el('span', 'beam-score', beam.score_norm.toFixed(4)));
      b.appendChild(header);
      b.appendChild(el('div', 'beam-path', trace.paths_text[i]));
      b.addEventListener('click', function () { setBeam(selectedBeam === i ? 'all' : i); });
      list.appendChild(b);
      var option = el('option', null, 'Beam ' + (i + 1));
      option.value = String(i);
      filter.appendChild(option);
    });
    if (trace.beams.length === 0) list.appendChild(el('div', 'click-info empty', 'No paths'));
    filter.addEventListener('change', function () { setBeam(filter.value); });
  }
  function buildText() {
    var view = document.getElementById('text-view');
    var frag = document.createDocumentFragment();
    trace.tokens.forEach(function (token, p) {
      var color = data.nodeColors[String(p)];
      var span = el('span', 'tok', token.indexOf('\uFFFD') !== -1 ? label(p) : token);
      span.setAttribute('data-position', String(p));
      if (color) {
        span.classList.add('traced');
        span.style.background = color;
        span.style.color = isDark(color) ? '#fff' : '#111';
        var nid = 'L' + trace.metadata.layer + '_P' + p;
        span.addEventListener('click', function () { if (nodeById[nid]) showNode(nid); });
      }
      if (p === trace.metadata.target_pos) span.classList.add('target');
      span.title = 'Position ' + p + ': ' + label(p);
      frag.appendChild(span);
      tokenEls.push(span);
    });
    view.appendChild(frag);
  }
  function bindDiagram() {
    trace.sankey.nodes.forEach(function (n) { nodeById[n.id] = n; });
    linkEls = Array.prototype.slice.call(svg.querySelectorAll('.link'));
    nodeEls = Array.prototype.slice.call(svg.querySelectorAll('.node'));
    nodeEls.forEach(function (n) {
      var id = n.getAttribute('data-id');
      n.addEventListener('click', function (event) { event.stopPropagation(); showNode(id); });
      n.addEventListener('mousemove', function (event) {
        var p = nodeById[id].position;
        showTooltip(event, 'Position ' + p + '\n' + label(p));
      });
      n.addEventListener('mouseleave', hideTooltip);
    });
    linkEls.forEach(function (l) {
      var i = Number(l.getAttribute('data-index'));
      l.addEventListener('click', function (event) { event.stopPropagation(); showLink(i); });
      l.addEventListener('mousemove', function (event) {
        var link = trace.sankey.links[i];
        showTooltip(event, label(nodeById[link.source].position) + ' \u2192 ' + label(nodeById[link.target].position) +
          '\nAttention: ' + link.value.toFixed(4));
      });
      l.addEventListener('mouseleave', hideTooltip);
    });
    svg.addEventListener('click', clearAll);
    document.getElementById('clear-selection').addEventListener('click', function () { clearAll(); setBeam('all'); });
  }

  function init() {
    try {
      data = JSON.parse(document.getElementById('rat-data').textContent);
      trace = data.trace;
      svg = document.getElementById('sankey');
      viewport = document.getElementById('viewport');
      buildMetadata();
      buildBeams();
      buildText();
      bindDiagram();
      setupZoom();
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
