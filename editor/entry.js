// The playground's editor: CodeMirror 6 set up once, for Python (the script) and JSON (args).
// Bundled by build.sh into function/playground/static/editor.js; the page imports only this.
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting,
} from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import {
  drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers,
} from "@codemirror/view";

/**
 * An editor in `parent`: `language` "python" or "json"; `onRun` is called on Ctrl/Cmd+Enter,
 * which takes precedence over CodeMirror's own binding of that key; `nonce` is the style
 * nonce of the page's Content-Security-Policy, for the styles CodeMirror adds.
 */
export function createEditor({
  parent, doc = "", language = "python", label, describedBy, onRun, nonce,
}) {
  const theme = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (onRun(), true) }])),
        lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
        bracketMatching(), closeBrackets(), highlightActiveLine(), highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        indentUnit.of("    "), EditorState.tabSize.of(4),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap,
          indentWithTab]),
        language === "json" ? json() : python(),
        lintGutter(),
        theme.of([]),
        EditorView.contentAttributes.of(
          describedBy ? { "aria-label": label, "aria-describedby": describedBy } : { "aria-label": label }),
        // The page's Content-Security-Policy admits only styles with this response's nonce.
        EditorView.cspNonce.of(nonce || ""),
      ],
    }),
  });
  return {
    get text() { return view.state.doc.toString(); },
    set text(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    setDark(dark) { view.dispatch({ effects: theme.reconfigure(dark ? oneDark : []) }); },
    /** Mark a 1-based line (clamped to the document) with a message. */
    markLine(number, message) {
      const line = view.state.doc.line(Math.min(Math.max(number, 1), view.state.doc.lines));
      view.dispatch(setDiagnostics(view.state,
        [{ from: line.from, to: line.to, severity: "error", message }]));
    },
    clearMarks() { view.dispatch(setDiagnostics(view.state, [])); },
    focus() { view.focus(); },
  };
}
