// Syntax highlighting for the SQL blocks (vendored highlight.js core + the SQL grammar only).
import hljs from "../vendor/highlight/core.min.js";
import sql from "../vendor/highlight/languages/sql.min.js";

hljs.registerLanguage("sql", sql);

function highlight(root) {
  root.querySelectorAll("code.language-sql:not(.hljs)").forEach((el) => hljs.highlightElement(el));
}

highlight(document);
document.addEventListener("htmx:load", (event) => highlight(event.detail.elt));
