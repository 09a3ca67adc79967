/** The admin's one stylesheet (no build step, no web fonts). */
export const ADMIN_CSS = `:root {
  --primary: #2f5d8a; --primary-dark: #24486b; --accent: #f5c542; --bg: #ffffff; --fg: #1f2328;
  --muted: #667085; --border: #d0d7de; --row-alt: #f6f8fa; --link: #1f5f99; --error: #b42318; --error-bg: #fef3f2;
  --success-bg: #ecfdf3; --success: #067647; --warning-bg: #fffaeb; --warning: #b54708; --radius: 6px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
h1 { font-size: 1.5rem; font-weight: 600; margin: 0 0 1rem; }
h2 { font-size: 1.05rem; font-weight: 600; margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
#header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; background: var(--primary); color: #fff; padding: 0.7rem 1.5rem; }
#header a { color: #fff; }
#header .branding a { font-size: 1.25rem; font-weight: 600; color: var(--accent); }
#user-tools { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.03em; }
#user-tools a, .link-button { color: #fff; border-bottom: 1px solid rgba(255,255,255,0.3); }
.inline-form { display: inline; margin: 0; }
.link-button { background: none; border: 0; padding: 0; font: inherit; text-transform: uppercase; cursor: pointer; letter-spacing: 0.03em; }
.breadcrumbs { background: #3f6f9c; color: #dbe7f3; padding: 0.5rem 1.5rem; font-size: 0.9rem; }
.breadcrumbs a { color: #fff; }
.messagelist { list-style: none; margin: 0; padding: 0; }
.messagelist li { padding: 0.6rem 1.5rem; border-bottom: 1px solid var(--border); background: var(--success-bg); color: var(--success); }
.messagelist li.warning { background: var(--warning-bg); color: var(--warning); }
.messagelist li.error { background: var(--error-bg); color: var(--error); }
.messagelist li.info { background: #eff8ff; color: #175cd3; }
#container { display: flex; gap: 1.5rem; padding: 1.25rem 1.5rem 2rem; align-items: flex-start; }
#content { flex: 1 1 auto; min-width: 0; }
#sidebar { flex: 0 0 260px; }
.module { border: 1px solid var(--border); border-radius: var(--radius); margin: 0 0 1.25rem; overflow: hidden; background: #fff; }
.module h2, .module caption, .inline-group h2 { background: var(--primary); color: #fff; padding: 0.45rem 0.75rem; font-size: 0.95rem; text-align: left; font-weight: 600; }
.module caption a { color: #fff; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 0.45rem 0.75rem; text-align: left; vertical-align: top; border-bottom: 1px solid var(--border); }
thead th { background: var(--row-alt); font-weight: 600; font-size: 0.85rem; color: #344054; white-space: nowrap; }
thead th a { color: #344054; display: block; }
thead th.sorted { background: #e7eef6; }
thead th.sortable a::after { content: " ⇅"; opacity: 0.35; font-size: 0.75rem; }
.sort-mark { font-size: 0.7rem; color: var(--primary); }
tbody tr:nth-child(even) { background: var(--row-alt); }
tbody tr:hover { background: #eef4fb; }
#app-list .module table { table-layout: fixed; }
#app-list .module th { width: 45%; }
#app-list .module td.count { color: var(--muted); text-align: right; width: 15%; padding-right: 2rem; }
.addlink::before { content: "+ "; color: var(--success); font-weight: 700; }
.changelink::before { content: "✎ "; }
.viewlink::before { content: "👁 "; }
.deletelink::before { content: "✖ "; }
.historylink::before { content: "⟲ "; }
.object-tools { list-style: none; margin: -3rem 0 1rem; padding: 0; display: flex; justify-content: flex-end; gap: 0.5rem; }
.object-tools a { display: inline-block; background: #555; color: #fff; border-radius: 15px; padding: 0.25rem 0.85rem; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
.object-tools a.addlink { background: var(--primary); }
.object-tools a:hover { background: var(--primary-dark); text-decoration: none; }
.object-tools a.addlink::before, .object-tools a.historylink::before { color: #fff; }
#toolbar { background: var(--row-alt); border: 1px solid var(--border); border-radius: var(--radius); padding: 0.5rem 0.75rem; margin-bottom: 0.75rem; }
#toolbar input[type=search] { padding: 0.35rem 0.5rem; border: 1px solid var(--border); border-radius: 4px; min-width: 18rem; }
.help, .small { font-size: 0.8rem; color: var(--muted); }
.quiet, .mini { color: var(--muted); font-size: 0.8rem; }
.date-hierarchy { list-style: none; display: flex; flex-wrap: wrap; gap: 0.75rem; padding: 0.4rem 0.75rem; margin: 0 0 0.75rem; border-bottom: 1px solid var(--border); }
.actions { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; background: var(--row-alt); border: 1px solid var(--border); border-bottom: 0; border-radius: var(--radius) var(--radius) 0 0; padding: 0.5rem 0.75rem; }
.actions select { padding: 0.3rem; }
.action-counter { color: var(--muted); font-size: 0.85rem; }
.results { border: 1px solid var(--border); border-radius: 0 0 var(--radius) var(--radius); overflow-x: auto; }
#changelist-form > .results:first-child { border-radius: var(--radius); }
td.action-checkbox, th.action-checkbox-column { width: 1.5rem; }
.paginator { margin: 0.75rem 0; color: var(--muted); }
.paginator a, .paginator .this-page { display: inline-block; padding: 0.1rem 0.45rem; border-radius: 4px; }
.paginator .this-page { background: var(--primary); color: #fff; }
.paginator .count { margin-left: 0.5rem; }
#changelist-filter { border: 1px solid var(--border); border-radius: var(--radius); overflow: hidden; }
#changelist-filter h2 { background: var(--primary); color: #fff; padding: 0.45rem 0.75rem; }
#changelist-filter details { border-top: 1px solid var(--border); padding: 0.4rem 0.75rem; }
#changelist-filter summary { font-weight: 600; cursor: pointer; color: #344054; }
#changelist-filter ul { list-style: none; margin: 0.3rem 0; padding: 0; }
#changelist-filter li { padding: 0.1rem 0; }
#changelist-filter li.selected a { font-weight: 700; color: var(--fg); border-left: 3px solid var(--primary); padding-left: 0.4rem; }
.clear-filters { margin: 0.5rem 0.75rem; }
fieldset { border: 0; margin: 0; padding: 0; }
fieldset.module { border: 1px solid var(--border); }
fieldset.module summary { list-style: none; cursor: pointer; }
fieldset.module summary h2::after { content: " (show)"; font-weight: 400; font-size: 0.85rem; }
fieldset.module details[open] summary h2::after { content: " (hide)"; }
.form-row { display: flex; flex-wrap: wrap; gap: 1.5rem; padding: 0.65rem 0.75rem; border-bottom: 1px solid var(--border); }
.form-row:last-child { border-bottom: 0; }
.form-row.errors { background: var(--error-bg); }
.fieldBox { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 0.75rem; }
.fieldBox > label { width: 10rem; font-weight: 500; color: #344054; }
.fieldBox > .help, .fieldBox > .errorlist { flex-basis: 100%; margin-left: 10.75rem; }
.multi .fieldBox > label { width: auto; }
.multi .fieldBox > .help, .multi .fieldBox > .errorlist { margin-left: 0; }
label.required::after { content: " *"; color: var(--error); }
input[type=text], input[type=email], input[type=url], input[type=number], input[type=password], input[type=date], input[type=datetime-local], input[type=time], input[type=search], select, textarea {
  font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--border); border-radius: 4px; background: #fff; max-width: 100%;
}
input[type=text], input[type=email], input[type=url], input[type=password] { width: 24rem; }
textarea { width: 36rem; }
textarea.json { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85rem; }
input:focus, select:focus, textarea:focus { outline: 2px solid #84adea; outline-offset: 0; border-color: #84adea; }
[aria-invalid=true] { border-color: var(--error); }
.tz { color: var(--muted); font-size: 0.8rem; }
.readonly { padding: 0.3rem 0; }
.errornote { background: var(--error-bg); color: var(--error); border: 1px solid #fecdca; border-radius: var(--radius); padding: 0.6rem 0.75rem; }
ul.errorlist { list-style: none; margin: 0.2rem 0; padding: 0; color: var(--error); font-weight: 500; }
ul.errorlist.nonfield { background: var(--error-bg); padding: 0.5rem 0.75rem; border-radius: var(--radius); margin-bottom: 0.75rem; }
.submit-row { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; justify-content: flex-end; background: var(--row-alt); border: 1px solid var(--border); border-radius: var(--radius); padding: 0.65rem 0.75rem; margin: 1rem 0; }
button, .button { font: inherit; cursor: pointer; padding: 0.4rem 0.95rem; border-radius: 4px; border: 1px solid var(--primary); background: #fff; color: var(--primary); }
button.default { background: var(--primary); color: #fff; font-weight: 600; }
button:hover { filter: brightness(0.95); }
.submit-row a.deletelink { margin-right: auto; order: -1; background: var(--error); color: #fff; padding: 0.4rem 0.95rem; border-radius: 4px; }
.submit-row a.deletelink::before { content: ""; }
button.deletelink-button { background: var(--error); border-color: var(--error); color: #fff; }
.cancel-link { border: 1px solid var(--border); color: var(--fg); }
.inline-group { border: 1px solid var(--border); border-radius: var(--radius); margin: 1.25rem 0; overflow: hidden; }
.inline-group .tabular-wrap { overflow-x: auto; }
.inline-group td input[type=text], .inline-group td textarea { width: 100%; min-width: 10rem; }
.inline-group td textarea { height: 4rem; }
.inline-group tr.deleted { opacity: 0.5; }
.inline-repr { color: var(--muted); font-size: 0.85rem; }
.inline-related h3 { margin: 0; padding: 0.4rem 0.75rem; background: var(--row-alt); font-size: 0.9rem; }
.bool.yes { color: var(--success); font-weight: 700; }
.bool.no { color: var(--error); font-weight: 700; }
.bool.unknown { color: var(--muted); }
.autocomplete { display: inline-flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; position: relative; }
.autocomplete .pk-input { width: 10rem; }
.autocomplete .chip { background: #e7eef6; border-radius: 12px; padding: 0.05rem 0.6rem; font-size: 0.85rem; }
.autocomplete .search { width: 16rem; }
.autocomplete ul.suggestions { position: absolute; top: 100%; left: 0; z-index: 10; list-style: none; margin: 0; padding: 0; background: #fff; border: 1px solid var(--border); border-radius: 4px; min-width: 16rem; max-height: 16rem; overflow-y: auto; box-shadow: 0 4px 12px rgba(0,0,0,0.1); }
.autocomplete ul.suggestions li { padding: 0.3rem 0.6rem; cursor: pointer; }
.autocomplete ul.suggestions li:hover, .autocomplete ul.suggestions li[aria-selected=true] { background: #eef4fb; }
body.login { background: var(--row-alt); }
body.login #container { justify-content: center; padding-top: 4rem; }
.login-box { width: 24rem; max-width: 100%; margin: 0 auto; background: #fff; border: 1px solid var(--border); border-radius: var(--radius); padding: 1.5rem; box-shadow: 0 2px 10px rgba(0,0,0,0.05); }
.login-box h1 { color: var(--primary); font-size: 1.3rem; }
.login-box .form-row { flex-direction: column; gap: 0.3rem; padding: 0.5rem 0; border: 0; }
.login-box input[type=text], .login-box input[type=password] { width: 100%; }
.login-box .submit-row { justify-content: stretch; background: none; border: 0; padding: 0.5rem 0 0; }
.login-box .submit-row button { width: 100%; }
#recent-actions-module ul { list-style: none; padding: 0 0.75rem; }
#recent-actions-module li { padding: 0.3rem 0; border-bottom: 1px solid var(--border); }
#recent-actions-module h3 { font-size: 0.85rem; padding: 0.4rem 0.75rem 0; margin: 0; color: var(--muted); }
#recent-actions-module p { padding: 0 0.75rem; }
.delete-confirmation ul { margin: 0.25rem 0 0.75rem; }
ul.summary { list-style: disc; }
.empty-results { color: var(--muted); padding: 1rem 0; }
@media (max-width: 900px) { #container { flex-direction: column; } #sidebar { flex-basis: auto; width: 100%; } .fieldBox > label { width: 100%; } .fieldBox > .help, .fieldBox > .errorlist { margin-left: 0; } .object-tools { margin-top: 0; } }
`
