/// The page's CSS (the reference page's dark theme).
let pageStyle = """
* { margin: 0; padding: 0; box-sizing: border-box; }
body { font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Ubuntu, sans-serif;
       background: #1a1a2e; color: #eee; height: 100vh; overflow: hidden; }
.container { display: flex; flex-direction: column; height: 100vh; }
header { background: #16213e; padding: 0.75rem 1.5rem; border-bottom: 1px solid #0f3460;
         display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
h1 { font-size: 1.3rem; font-weight: 500; color: #e94560; }
h2 { font-size: 0.95rem; font-weight: 500; margin-bottom: 0.6rem; color: #e94560; }
.controls { display: flex; gap: 0.75rem; align-items: center; }
label { font-size: 0.85rem; color: #aaa; }
select, button { background: #0f3460; border: 1px solid #0f3460; color: #eee; padding: 0.4rem 0.8rem;
                 border-radius: 4px; cursor: pointer; font-size: 0.85rem; }
select:hover, button:hover { background: #1a4a7a; }
.main-content { display: flex; flex: 1; min-height: 0; }
.visualization { flex: 1; position: relative; overflow: hidden; min-width: 0; }
#sankey { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
#sankey.panning { cursor: grabbing; }
.sidebar { width: 340px; background: #16213e; border-left: 1px solid #0f3460; overflow-y: auto; padding: 1rem; }
.info-section { margin-bottom: 1.3rem; }
.info-item { display: flex; justify-content: space-between; gap: 1rem; padding: 0.2rem 0; font-size: 0.85rem; }
.info-item .value { color: #4cc9f0; text-align: right; word-break: break-all; white-space: pre-wrap; }
.beam-item { background: #0f3460; padding: 0.6rem; border-radius: 4px; margin-bottom: 0.5rem; cursor: pointer;
             border-left: 4px solid transparent; }
.beam-item:hover { background: #1a4a7a; }
.beam-item.selected { background: #3a1f4a; outline: 1px solid #e94560; }
.beam-header { display: flex; justify-content: space-between; margin-bottom: 0.3rem; }
.beam-index { font-weight: 600; }
.beam-score { color: #4cc9f0; font-size: 0.85rem; }
.beam-path { font-size: 0.75rem; color: #bbb; word-break: break-all; line-height: 1.4; white-space: pre-wrap; }
.click-info { background: #0f3460; padding: 0.8rem; border-radius: 4px; font-size: 0.85rem; }
.click-info.empty { color: #777; text-align: center; }
.node { cursor: pointer; }
.node:hover rect { fill-opacity: 1; }
.node text { pointer-events: none; }
.node.faded { opacity: 0.25; }
.node.selected rect { stroke: #e94560; stroke-width: 3; }
.node[data-target="true"] rect { stroke: #ffd166; stroke-width: 2; }
.link { cursor: pointer; }
.link:hover { stroke-opacity: 0.75; }
.link.highlighted { stroke-opacity: 0.85; }
.link.dimmed { stroke-opacity: 0.08; }
.link.hidden { display: none; }
.tooltip { position: fixed; display: none; background: rgba(0,0,0,0.9); color: #fff; padding: 0.45rem 0.7rem;
           border-radius: 4px; font-size: 0.75rem; pointer-events: none; z-index: 1000; max-width: 320px; white-space: pre-wrap; }
.zoom-info { position: absolute; bottom: 0.8rem; left: 0.8rem; background: rgba(0,0,0,0.7); padding: 0.4rem 0.7rem;
             border-radius: 4px; font-size: 0.75rem; color: #aaa; pointer-events: none; }
.text-panel { background: #16213e; border-top: 1px solid #0f3460; padding: 0.7rem 1.5rem; max-height: 28vh; overflow-y: auto; }
.text-view { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.85rem; line-height: 1.7; white-space: pre-wrap; word-break: break-word; }
.tok { border-radius: 3px; }
.tok.traced { padding: 0 1px; cursor: pointer; }
.tok.target { outline: 2px solid #ffd166; }
.tok.special { color: #888; }
.tok.selected { outline: 2px solid #e94560; }
.tok.faded { opacity: 0.35; }
.error { padding: 2rem; color: #e94560; }
"""
