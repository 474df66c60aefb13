// The entry of the console's CodeMirror bundle (bin/build-console.js →
// dist/console/codemirror.js, served as /console/static/codemirror.js): the
// parts the curation editor (and the history's merge view) uses, from the npm packages, in one file the
// service serves itself, so the editor works on a network with no way out.
export { EditorState, StateEffect } from '@codemirror/state';
export { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, highlightSpecialChars } from '@codemirror/view';
export { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
export { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter, foldKeymap, syntaxTree } from '@codemirror/language';
export { yaml } from '@codemirror/lang-yaml';
export { autocompletion, completionKeymap, startCompletion } from '@codemirror/autocomplete';
export { linter, lintGutter, lintKeymap, forceLinting, setDiagnostics } from '@codemirror/lint';
export { MergeView } from '@codemirror/merge';
