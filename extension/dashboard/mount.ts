// Puts the summary's markup in place before the summary script runs (it looks its
// elements up when it loads). The markup is a constant shared with the VS Code page.
// The summary's tables move below the live columns: in a browser the learner should
// see what the coach says now before a table of every concept (ids stay the same, so
// the summary script finds them wherever they are).
import { SUMMARY_BODY } from '../webview/summaryMarkup';

const mount = document.getElementById('summary');
if (mount) mount.innerHTML = SUMMARY_BODY;
const tables = document.getElementById('tables');
const below = document.getElementById('summary-tables');
if (tables && below) below.append(tables);
