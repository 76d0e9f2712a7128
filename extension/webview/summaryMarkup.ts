// The learning summary's page body, shared by the VS Code summary webview (src/summaryPanel.ts) and the
// browser dashboard of `codecoach web` (extension/dashboard/): summary.ts draws into these ids, so both
// pages must have exactly this markup. A constant, never learner text: safe to insert as HTML.
export const SUMMARY_BODY = `<header class="toolbar">
  <h1>Learning Summary</h1>
  <div class="segmented" role="group" aria-label="Period">
    <button type="button" data-period="day">Today</button>
    <button type="button" data-period="week" aria-pressed="true">This week</button>
  </div>
</header>
<p id="range" class="muted"></p>
<div id="message" role="status"></div>
<section id="totals" class="totals" aria-label="Totals"></section>
<section class="charts">
  <figure><figcaption id="activity-caption">Activity</figcaption><div class="chart"><canvas id="activity" role="img" aria-label="Activity"></canvas></div></figure>
  <figure><figcaption>Struggles by concept</figcaption><div class="chart" id="concepts-box"><canvas id="concepts" role="img" aria-label="Struggles by concept"></canvas></div><p id="concepts-more" class="muted small"></p></figure>
  <figure class="wide"><figcaption>Mastery over time <button type="button" id="mastery-toggle" class="link" hidden></button></figcaption><div class="chart"><canvas id="mastery" role="img" aria-label="Mastery over time"></canvas></div></figure>
</section>
<section id="narrative" class="narrative"></section>
<section id="tables" class="tables"></section>`;
