// The dashboard's one script. Order matters: the host stand-in and the summary
// markup must exist before the shared summary script (the VS Code one) runs.
import './host';
import './mount';
import '../webview/summary';
import { start } from './dashboard';

start();
