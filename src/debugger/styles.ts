/**
 * The debugger's own styles, inside its shadow root: nothing leaks out. `.root` sets every
 * inherited property so that nothing the page sets on the host leaks in either.
 */
export const STYLES = `
.root { all: initial; display: block; box-sizing: border-box; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #fff; text-align: left; letter-spacing: normal; word-spacing: normal; text-transform: none; }
.root * { box-sizing: border-box; }
.overlay { position: fixed; right: 16px; bottom: 16px; z-index: 2147483647; width: min(460px, calc(100vw - 32px)); max-height: min(75vh, 720px); display: flex; flex-direction: column; border-radius: 10px; box-shadow: 0 8px 30px #0004, 0 0 0 1px #0002; overflow: hidden; }
.overlay:focus { outline: 3px solid #3b5bdb; outline-offset: 2px; }
.bar { display: flex; gap: 8px; align-items: center; padding: 8px 10px; background: #1d2330; color: #fff; }
.bar h2 { font-size: 14px; font-weight: 600; margin: 0; flex: 1; }
.bar button { font: inherit; font-size: 18px; line-height: 1; color: #fff; background: none; border: 0; border-radius: 5px; padding: 2px 8px; cursor: pointer; }
.bar button:focus-visible, select:focus-visible { outline: 2px solid #8ea8ff; outline-offset: 1px; }
.tools { display: flex; gap: 8px; align-items: center; padding: 6px 10px; border-bottom: 1px solid #e3e6ec; background: #f7f8fa; }
.tools label { color: #556; }
select { font: inherit; padding: 2px 4px; border: 1px solid #c8ccd6; border-radius: 5px; background: #fff; color: inherit; }
.body { overflow: auto; padding: 8px 10px 12px; }
p { margin: 4px 0 8px; }
code { font: 11.5px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; }
.problems { color: #b42318; } .problems.ok { color: #127a3a; }
.problems ul { margin: 0 0 8px; padding-left: 18px; } .problems em { color: #556; }
.destinations { list-style: none; margin: 0 0 10px; padding: 0; display: grid; gap: 4px; }
.destination { padding: 4px 8px; border-radius: 6px; background: #f4f5f7; border-left: 4px solid #9aa3b2; }
.destination.ready { border-color: #2f9e44; } .destination.waiting { border-color: #f08c00; } .destination.disabled { border-color: #c92a2a; }
.destination details { margin-top: 2px; } .destination summary { cursor: pointer; color: #556; }
.destination code { display: block; }
.timeline { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.row { border: 1px solid #e3e6ec; border-radius: 8px; padding: 6px 8px; }
.event { margin-bottom: 4px; } .event strong { font-size: 14px; }
.id { color: #778; font: 11px ui-monospace, monospace; overflow-wrap: anywhere; }
.outcomes { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; }
.destination-outcome { display: flex; gap: 8px; align-items: baseline; }
.to { flex: 0 0 104px; color: #556; font-weight: 600; }
.what { flex: 1; min-width: 0; display: grid; gap: 2px; }
.outcome { overflow-wrap: anywhere; }
.label { display: inline-block; font-size: 11px; font-weight: 600; padding: 0 6px; border-radius: 9px; background: #e9ecef; color: #343a40; }
.sent .label { background: #d3f9d8; color: #1b5e20; } .skipped .label { background: #ffe3e3; color: #a61e1e; }
.waiting .label { background: #fff3bf; color: #7a4b00; } .dropped .label { background: #e5dbff; color: #4527a0; } .disabled .label { background: #c92a2a; color: #fff; }
.name { font-weight: 600; }
.params { border-collapse: collapse; margin: 3px 0; font-size: 12px; }
.params th, .params td { border: 1px solid #e3e6ec; padding: 1px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.params th { font-weight: 500; color: #556; background: #f7f8fa; }
.vendor { color: #667; overflow-wrap: anywhere; } .vendor summary { cursor: pointer; font-size: 11.5px; } .vendor code { display: block; }
.sent > .name, .sent > .params { margin-right: 6px; }
.empty, .restart { color: #778; } .restart { font-style: italic; text-align: center; }
`
