/// The page's CSS (the reference page's dark theme). Every text meets WCAG AA contrast (4.5:1)
/// on its background; beam colours mark swatches and ribbons, never text.
let pageStyle = """
* { margin: 0; padding: 0; box-sizing: border-box; }
body { font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Ubuntu, sans-serif;
       background: #1a1a2e; color: #eee; }
.container { display: flex; flex-direction: column; min-height: 100vh; }
header { background: #16213e; padding: 0.6rem 1.5rem; border-bottom: 1px solid #0f3460;
         display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
h1 { font-size: 1.3rem; font-weight: 500; color: #ff8fa3; }
h2 { font-size: 0.95rem; font-weight: 500; margin-bottom: 0.6rem; color: #ff8fa3; }
.hint { font-size: 0.75rem; font-weight: 400; color: #b8bfd6; margin-left: 0.5rem; }
.controls { display: flex; gap: 0.75rem; align-items: center; }
label, .control-name { font-size: 0.85rem; color: #c9cde0; }
select, button, input { background: #0f3460; border: 1px solid #3b5b8f; color: #eee; padding: 0.3rem 0.6rem;
                 border-radius: 4px; font-size: 0.85rem; }
select, button { cursor: pointer; }
select:hover, button:hover { background: #1a4a7a; }
input[type=number] { width: 5.2rem; }
input[type=range] { width: 9rem; padding: 0; vertical-align: middle; accent-color: #4cc9f0; }
input[type=checkbox], input[type=radio] { accent-color: #4cc9f0; vertical-align: middle; }
.explorer-controls { display: flex; flex-wrap: wrap; gap: 0.4rem 1.1rem; align-items: center; padding: 0.45rem 1.5rem;
                     background: #16213e; border-bottom: 1px solid #0f3460; }
.explorer-controls[hidden] { display: none; }
.control { display: inline-flex; gap: 0.35rem; align-items: center; }
.control[hidden] { display: none; }
.toggle { display: inline-flex; gap: 0.2rem; align-items: center; }
.toggle label { padding: 0.15rem 0.3rem; }
.note { background: #3d2a00; color: #ffe3a3; padding: 0.45rem 1.5rem; font-size: 0.85rem; border-bottom: 1px solid #6b4a00; }
.note[hidden] { display: none; }
.main-content { display: flex; height: 62vh; min-height: 360px; }
.visualization { flex: 1; position: relative; overflow: hidden; min-width: 0; }
#sankey { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
#sankey.panning { cursor: grabbing; }
.sidebar { width: 360px; background: #16213e; border-left: 1px solid #0f3460; overflow-y: auto; padding: 1rem; }
.info-section { margin-bottom: 1.3rem; }
.info-item { display: flex; justify-content: space-between; gap: 1rem; padding: 0.2rem 0; font-size: 0.85rem; }
.info-item .label { color: #c9cde0; }
.info-item .value { color: #4cc9f0; text-align: right; word-break: break-all; white-space: pre-wrap; }
.warning { color: #ffe3a3; font-size: 0.8rem; padding: 0.2rem 0; }
.paths { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.75rem; color: #e6e6f0; white-space: pre-wrap;
         word-break: break-word; background: #0f3460; padding: 0.5rem; border-radius: 4px; line-height: 1.45; }
.beam-item { background: #0f3460; padding: 0.6rem; border-radius: 4px; margin-bottom: 0.5rem; cursor: pointer;
             border-left: 4px solid transparent; }
.beam-item:hover { background: #1a4a7a; }
.beam-item.selected { background: #3a1f4a; outline: 1px solid #ff8fa3; }
.beam-header { display: flex; justify-content: space-between; margin-bottom: 0.3rem; }
.beam-index { font-weight: 600; color: #f2f2f7; display: inline-flex; align-items: center; gap: 0.4rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; border: 1px solid #eee; }
.beam-score { color: #4cc9f0; font-size: 0.85rem; }
.beam-delta { color: #ffe3a3; font-size: 0.8rem; margin-left: 0.5rem; }
.beam-path { font-size: 0.75rem; color: #d0d0dc; word-break: break-all; line-height: 1.4; white-space: pre-wrap; }
.click-info { background: #0f3460; padding: 0.8rem; border-radius: 4px; font-size: 0.85rem; }
.click-info.empty { color: #b8bfd6; text-align: center; }
.node { cursor: pointer; }
.node:hover rect { fill-opacity: 1; }
.node text { pointer-events: none; }
.node.faded { opacity: 0.25; }
.node.selected rect { stroke: #ff8fa3; stroke-width: 3; }
.node[data-target="true"] rect { stroke: #ffd166; stroke-width: 2; }
.link { cursor: pointer; }
.link:hover { stroke-opacity: 0.75; }
.link.highlighted { stroke-opacity: 0.85; }
.link.dimmed { stroke-opacity: 0.08; }
.link.hidden { display: none; }
.tooltip { position: fixed; display: none; background: rgba(0,0,0,0.92); color: #fff; padding: 0.45rem 0.7rem;
           border-radius: 4px; font-size: 0.75rem; pointer-events: none; z-index: 1000; max-width: 320px; white-space: pre-wrap; }
.zoom-info { position: absolute; bottom: 0.8rem; left: 0.8rem; background: rgba(0,0,0,0.75); padding: 0.4rem 0.7rem;
             border-radius: 4px; font-size: 0.75rem; color: #c9cde0; pointer-events: none; }
.text-panel { background: #16213e; border-top: 1px solid #0f3460; padding: 0.7rem 1.5rem; max-height: 26vh; overflow-y: auto; }
.text-view { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.85rem; line-height: 1.7; white-space: pre-wrap; word-break: break-word; }
.tok { border-radius: 3px; cursor: pointer; }
.tok:hover { outline: 1px dashed #4cc9f0; }
.tok.traced { padding: 0 1px; }
.tok.target { outline: 2px solid #ffd166; }
.tok.selected { outline: 2px solid #ff8fa3; }
.tok.faded { opacity: 0.35; }
.attention-panel { display: flex; flex-wrap: wrap; gap: 1.5rem; padding: 0.9rem 1.5rem; border-top: 1px solid #0f3460; }
.attention-panel[hidden] { display: none; }
#heatmap { width: 420px; height: 420px; background: #1a1a2e; border: 1px solid #3b5b8f; cursor: crosshair; image-rendering: pixelated; touch-action: none; }
.strip-box { flex: 1; min-width: 320px; }
.layer-strip { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.layer-cell { display: flex; flex-direction: column; align-items: flex-start; gap: 0.2rem; padding: 0.3rem; background: #16213e;
              border: 1px solid #0f3460; border-radius: 4px; }
.layer-cell canvas { width: 150px; height: 40px; display: block; }
.layer-cell.selected { border-color: #ffd166; outline: 1px solid #ffd166; }
.layer-label { font-size: 0.72rem; color: #e6e6f0; white-space: nowrap; }
.error { padding: 2rem; color: #ff8fa3; }
.live-form { display: flex; flex-direction: column; gap: 0.4rem; padding: 0.6rem 1.5rem; background: #16213e; border-bottom: 1px solid #0f3460; }
.live-form textarea { background: #0f3460; border: 1px solid #3b5b8f; color: #eee; border-radius: 4px; padding: 0.4rem;
                      font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.85rem; resize: vertical; }
.live-buttons { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: center; }
.live-status { font-size: 0.85rem; color: #c9cde0; }
.live-status.error-text { color: #ffb3c0; }
.live-output { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.85rem; white-space: pre-wrap; color: #e6e6f0;
               background: #0f3460; padding: 0.4rem; border-radius: 4px; }
button:disabled { opacity: 0.6; cursor: default; }
"""
