package viewer_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// findBrowser returns the first Chromium-like browser on PATH, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium with a window of w×h pixels, or
// skips the test when there is none.
func browser(t *testing.T, w, h int) context.Context {
	t.Helper()
	bin := findBrowser()
	if bin == "" {
		t.Skip("no chromium, chromium-browser or google-chrome on PATH: browser test of the HTML viewer skipped (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(w, h),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	// The window's inner size is what the page lays out in.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// pageFile writes p to a file of its own and returns its path.
func pageFile(t *testing.T, p *viewer.Page, name string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := p.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// saveScreenshot writes png to $VIEWER_SCREENSHOT when set (the long
// trace's view), or beside it with -suffix before the extension.
func saveScreenshot(t *testing.T, png []byte, suffix string) {
	t.Helper()
	out := os.Getenv("VIEWER_SCREENSHOT")
	if out == "" {
		return
	}
	if suffix != "" {
		ext := filepath.Ext(out)
		out = strings.TrimSuffix(out, ext) + "-" + suffix + ext
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// shown compares every node's text as the page shows it with the state Go
// computed by replaying the trace to step.
func shown(t *testing.T, ctx context.Context, p *viewer.Page, step int) {
	t.Helper()
	for _, n := range p.States[step] {
		got, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID(n.ID)))
		if err != nil {
			t.Fatalf("step %d: reading #%s: %v", step, n.ID, err)
		}
		if got != n.Text() {
			t.Errorf("step %d: #%s shows\n%s\nwant (replayed in Go)\n%s", step, n.ID, got, n.Text())
		}
	}
}

// position is the page's "step N / M".
func position(t *testing.T, ctx context.Context) string {
	t.Helper()
	pos, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("position")))
	if err != nil {
		t.Fatal(err)
	}
	return pos
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %.60q...: %v", js, err)
	}
	return v
}

// TestBrowser opens the generated page in headless Chromium, clicks "next"
// N times, and compares every node's shown state with the state Go
// computed by replaying the trace to step N. It also presses the arrow keys
// and takes a screenshot of the whole page (written to $VIEWER_SCREENSHOT
// with -crash before the extension when set, for a person to look at).
func TestBrowser(t *testing.T) {
	ctx := browser(t, 1500, 1000)
	tr := scenarioTrace(t, "proposer-crash-after-phase2a")
	p, err := paxosmodel.BuildPage(&tr, viewer.Options{Title: "scenario proposer-crash-after-phase2a"})
	if err != nil {
		t.Fatal(err)
	}
	path := pageFile(t, p, "trace")
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.ID("next"))); err != nil {
		t.Fatal(err)
	}
	shown(t, ctx, p, 0)
	const clicks = 12 // up to the crash of proposer 3 (step 12)
	if p.States[clicks][3].Text() == p.States[0][3].Text() {
		t.Fatal("proposer 3's state at step 12 equals its initial state: the comparison would prove nothing")
	}
	for i := 0; i < clicks; i++ {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next"))); err != nil {
			t.Fatal(err)
		}
	}
	shown(t, ctx, p, clicks)
	if got, want := position(t, ctx), "step 12 / "+strconv.Itoa(len(tr.Steps)); got != want {
		t.Errorf("position %q, want %q", got, want)
	}
	// Keyboard: two steps back, one forward.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft),
		chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	shown(t, ctx, p, clicks-1)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	checkLayout(t, ctx, p)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, shot, "crash")
}

// duelTrace is testdata/duel-50.jsonl: a 50-step run of `paxoscheck
// simulate --bug pick-lowest-promised-value --seed 67`, not shrunk, in
// which the two proposers duel through rounds 1 to 5 with crashes, drops
// and duplicates, and Msg2aInv breaks at the last step.
func duelTrace(t *testing.T) paxostrace.Trace {
	t.Helper()
	tr, err := paxostrace.ReadFile(filepath.Join("testdata", "duel-50.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// What the fixture is for: a long trace with two proposers each
	// starting more than one round.
	rounds := map[int]int{}
	for _, s := range tr.Steps {
		if s.Action == paxostrace.EvPhase1a {
			rounds[int(s.Node)]++
		}
	}
	if len(tr.Steps) < 45 || len(rounds) < 2 {
		t.Fatalf("testdata/duel-50.jsonl: %d steps, rounds started per proposer %v: not a long duel", len(tr.Steps), rounds)
	}
	for id, n := range rounds {
		if n < 2 {
			t.Fatalf("testdata/duel-50.jsonl: proposer %d starts %d round(s), want a duel (rounds per proposer %v)", id, n, rounds)
		}
	}
	return tr
}

// layoutJS measures the diagram as drawn: every label box (of a message,
// a client's request or reply, a step) and the pairs that overlap or
// whose text spills out of its box; the messages not drawn as a level
// line within the row of the step that sent them; each lane header's
// text and whether it fits its lane; and each client arrow's ends.
const layoutJS = `(() => {
  const svg = document.getElementById("flow"), sr = svg.getBoundingClientRect();
  const name = (box) => box.nextElementSibling ? box.nextElementSibling.textContent : "?";
  const boxes = [...svg.querySelectorAll(".lbl-box")];
  const rects = boxes.map((b) => b.getBoundingClientRect());
  const out = {boxes: boxes.length, overlaps: [], overflows: [], slanted: [], lanes: [], clientEnds: []};
  for (let i = 0; i < rects.length; i++) {
    const a = rects[i];
    if (a.width < 1 || a.height < 1) out.overflows.push("empty box " + name(boxes[i]));
    for (let j = i + 1; j < rects.length; j++) {
      const b = rects[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
        out.overlaps.push(JSON.stringify(name(boxes[i])) + " overlaps " + JSON.stringify(name(boxes[j])));
    }
    const t = boxes[i].nextElementSibling.getBoundingClientRect();
    if (t.left < a.left - 0.5 || t.right > a.right + 0.5 || t.top < a.top - 0.5 || t.bottom > a.bottom + 0.5)
      out.overflows.push(JSON.stringify(name(boxes[i])) + " spills out of its box");
    if (a.left < sr.left - 0.5 || a.right > sr.right + 0.5) out.overflows.push(JSON.stringify(name(boxes[i])) + " leaves the drawing");
  }
  svg.querySelectorAll("g.msg").forEach((g) => {
    const band = svg.querySelector('rect.row[data-step="' + g.dataset.from + '"]');
    const top = +band.getAttribute("y"), bottom = top + (+band.getAttribute("height"));
    const l = g.querySelector("line");
    if (!l) return; // a message to its own node: a loop
    const y1 = +l.getAttribute("y1"), y2 = +l.getAttribute("y2");
    if (y1 !== y2 || y1 < top || y1 > bottom)
      out.slanted.push("#" + g.dataset.id + " from y=" + y1 + " to y=" + y2 + ", its row " + top + ".." + bottom);
  });
  document.querySelectorAll("#lanes .lane").forEach((d) => {
    const l = d.querySelector(".lane-label"), r = d.querySelector(".lane-role"), dr = d.getBoundingClientRect();
    out.lanes.push({label: l.textContent, role: r.textContent, client: d.classList.contains("client"), title: d.title,
      labelFits: l.scrollWidth <= l.clientWidth && l.clientWidth > 0, roleFits: r.scrollWidth <= r.clientWidth && r.clientWidth > 0,
      center: dr.left + dr.width / 2});
  });
  svg.querySelectorAll("g.cmsg").forEach((g) => {
    const l = g.querySelector("line");
    out.clientEnds.push({client: +g.dataset.client, x1: sr.left + (+l.getAttribute("x1")), x2: sr.left + (+l.getAttribute("x2"))});
  });
  return out;
})()`

type laneSeen struct {
	Label     string  `json:"label"`
	Role      string  `json:"role"`
	Client    bool    `json:"client"`
	Title     string  `json:"title"`
	LabelFits bool    `json:"labelFits"`
	RoleFits  bool    `json:"roleFits"`
	Center    float64 `json:"center"`
}

type layout struct {
	Boxes      int        `json:"boxes"`
	Overlaps   []string   `json:"overlaps"`
	Overflows  []string   `json:"overflows"`
	Slanted    []string   `json:"slanted"`
	Lanes      []laneSeen `json:"lanes"`
	ClientEnds []struct {
		Client int     `json:"client"`
		X1     float64 `json:"x1"`
		X2     float64 `json:"x2"`
	} `json:"clientEnds"`
}

// checkLayout checks the diagram of p as the browser drew it: a label box
// for every message, client exchange and step, no two overlapping, each
// text inside its box; every message level within its sending step's
// row; every lane header showing its whole name and role; a lane per
// client, each client arrow starting or ending at its lane.
func checkLayout(t *testing.T, ctx context.Context, p *viewer.Page) {
	t.Helper()
	l := eval[layout](t, ctx, layoutJS)
	want := len(p.Arrows) + len(p.Steps)
	clientMsgs := 0
	for _, s := range p.Steps {
		clientMsgs += len(s.Client)
	}
	want += clientMsgs
	if l.Boxes != want || want == 0 {
		t.Errorf("%d label boxes drawn, want %d (%d messages, %d steps, %d client requests and replies)", l.Boxes, want, len(p.Arrows), len(p.Steps), clientMsgs)
	}
	for i, o := range l.Overlaps {
		if i == 10 {
			t.Errorf("... %d overlaps in all", len(l.Overlaps))
			break
		}
		t.Errorf("label %s", o)
	}
	for _, o := range l.Overflows {
		t.Errorf("label %s", o)
	}
	for _, s := range l.Slanted {
		t.Errorf("message %s: not level within the row of the step that sent it", s)
	}
	if len(l.Lanes) != len(p.Columns) {
		t.Fatalf("%d lane headers, want %d (%+v)", len(l.Lanes), len(p.Columns), p.Columns)
	}
	// Neither the drawing nor its lane headers run under the side panel.
	edge := eval[struct{ Lanes, Diagram, Side float64 }](t, ctx, `(() => {
	  let lanes = 0;
	  document.querySelectorAll("#lanes .lane").forEach((e) => { lanes = Math.max(lanes, e.getBoundingClientRect().right); });
	  return {Lanes: lanes, Diagram: document.querySelector("#diagram svg").getBoundingClientRect().right,
	    Side: document.getElementById("side").getBoundingClientRect().left};
	})()`)
	if edge.Lanes > edge.Side || edge.Diagram > edge.Side+1 {
		t.Errorf("the lanes end at x=%.0f and the drawing at x=%.0f, past the side panel's left edge at x=%.0f", edge.Lanes, edge.Diagram, edge.Side)
	}
	center := map[int]float64{}
	for i, c := range p.Columns {
		got := l.Lanes[i]
		if got.Label != c.Label || got.Role != c.Role || got.Client != c.Client {
			t.Errorf("lane %d shows %q %q (client %v), want %q %q (client %v)", i, got.Label, got.Role, got.Client, c.Label, c.Role, c.Client)
		}
		if !got.LabelFits || !got.RoleFits {
			t.Errorf("lane %s %s: its header cuts the name (label fits %v, role fits %v)", c.Label, c.Role, got.LabelFits, got.RoleFits)
		}
		if !strings.Contains(got.Title, c.Label) || !strings.Contains(got.Title, c.Role) {
			t.Errorf("lane %s: tooltip %q does not name it in full", c.Label, got.Title)
		}
		if c.Client {
			center[c.ID] = got.Center
		}
	}
	if len(p.History) > 0 && len(center) == 0 {
		t.Errorf("%d client operations and no client lane", len(p.History))
	}
	if len(l.ClientEnds) != clientMsgs {
		t.Errorf("%d client arrows drawn, want %d", len(l.ClientEnds), clientMsgs)
	}
	for _, e := range l.ClientEnds {
		cx, ok := center[e.Client]
		if !ok || math.Min(math.Abs(e.X1-cx), math.Abs(e.X2-cx)) > 3 { // an arrowhead stops 2px short of its lane
			t.Errorf("client %d's arrow runs from x=%.1f to %.1f, not from its lane at x=%.1f (lane known: %v)", e.Client, e.X1, e.X2, cx, ok)
		}
	}
}

// invariantsInView fails unless the invariant table's top is on screen,
// below the sticky controls, and with it the first violated invariant if
// the step shown has one.
func invariantsInView(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	r := eval[struct {
		Top, Bottom, Floor, Height float64
		Fail                       *float64
	}](t, ctx, `(() => {
	  const t = document.getElementById("invariants").getBoundingClientRect();
	  const f = document.querySelector("#invariants tr.fail");
	  return {Top: t.top, Bottom: t.bottom, Floor: document.getElementById("controls").getBoundingClientRect().bottom,
	    Height: window.innerHeight, Fail: f ? f.getBoundingClientRect().bottom : null};
	})()`)
	if r.Top < r.Floor || r.Top >= r.Height {
		t.Errorf("%s: the invariant table's top is at y=%.0f, outside the view (%.0f..%.0f)", when, r.Top, r.Floor, r.Height)
	}
	if r.Fail != nil && *r.Fail > r.Height {
		t.Errorf("%s: the violated invariant's row ends at y=%.0f, below the view (height %.0f)", when, *r.Fail, r.Height)
	}
}

// TestBrowserLongTrace opens the 50-step duel at 1400×1000 and checks that
// it is readable there: the layout (checkLayout), the invariants in view
// at the first and the last step with the window scrolled to the bottom,
// and the address: page.html#step=N opens at step N with its row on
// screen, and moving through the steps rewrites #step=. Its screenshot of
// the window goes to $VIEWER_SCREENSHOT when set.
func TestBrowserLongTrace(t *testing.T) {
	ctx := browser(t, 1400, 1000)
	tr := duelTrace(t)
	p, err := paxosmodel.BuildPage(&tr, viewer.Options{Title: "testdata/duel-50.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Steps)
	path := pageFile(t, p, "duel")
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.ID("next"))); err != nil {
		t.Fatal(err)
	}
	checkLayout(t, ctx, p)
	if got := eval[int](t, ctx, `document.querySelectorAll("#lanes .lane.client").length`); got != len(tr.Header.Clients) || got == 0 {
		t.Errorf("%d client lanes, the trace has %d clients", got, len(tr.Header.Clients))
	}
	invariantsInView(t, ctx, "step 0")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.End)); err != nil {
		t.Fatal(err)
	}
	scrolled := eval[float64](t, ctx, `window.scrollTo(0, document.body.scrollHeight), window.scrollY`)
	if got, want := position(t, ctx), fmt.Sprintf("step %d / %d", n, n); got != want {
		t.Fatalf("after End: position %q, want %q", got, want)
	}
	if scrolled < 1000 {
		t.Fatalf("scrolled %.0f px down a 50-step page: the check of the side panel would prove nothing", scrolled)
	}
	invariantsInView(t, ctx, fmt.Sprintf("step %d, window scrolled to the bottom", n))
	shown(t, ctx, p, n)

	// Open a step by its address, in a fresh load (a new document, not a
	// jump within this one).
	k := 2 * n / 3
	if p.States[k][len(p.States[k])-1].Text() == p.States[0][len(p.States[0])-1].Text() {
		t.Fatalf("the network at step %d is as at step 0: comparing it would prove nothing", k)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"),
		chromedp.Navigate(fmt.Sprintf("file://%s#step=%d", path, k)), chromedp.WaitVisible(chromedp.ID("next"))); err != nil {
		t.Fatal(err)
	}
	if got, want := position(t, ctx), fmt.Sprintf("step %d / %d", k, n); got != want {
		t.Fatalf("opened #step=%d: position %q, want %q", k, got, want)
	}
	shown(t, ctx, p, k)
	row := eval[struct{ Top, Bottom, Floor, Height float64 }](t, ctx, fmt.Sprintf(`(() => {
	  const r = document.querySelector('#flow rect.row.current[data-step="%d"]').getBoundingClientRect();
	  return {Top: r.top, Bottom: r.bottom, Floor: document.getElementById("lanes").getBoundingClientRect().bottom, Height: window.innerHeight};
	})()`, k))
	if row.Top < row.Floor-1 || row.Bottom > row.Height+1 {
		t.Errorf("opened #step=%d: its row is at y=%.0f..%.0f, not in view (%.0f..%.0f)", k, row.Top, row.Bottom, row.Floor, row.Height)
	}
	invariantsInView(t, ctx, fmt.Sprintf("opened at step %d", k))
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, shot, "")

	hash := func() string {
		t.Helper()
		return eval[string](t, ctx, `location.hash`)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next"))); err != nil {
		t.Fatal(err)
	}
	if got, want := hash(), fmt.Sprintf("#step=%d", k+1); got != want {
		t.Errorf("after next from step %d: address %q, want %q", k, got, want)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
		t.Fatal(err)
	}
	if got, want := hash(), fmt.Sprintf("#step=%d", k-1); got != want {
		t.Errorf("after two steps back: address %q, want %q", got, want)
	}
	// Editing the address moves the page.
	eval[string](t, ctx, `location.hash = "#step=3"`)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("position").textContent.startsWith("step 3 /")`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("set the address to #step=3: the page did not follow (shows %q): %v", position(t, ctx), err)
	}
	shown(t, ctx, p, 3)
}

// TestBrowserLayouts runs the layout check on other pages at 1400×1000:
// the 2-step skip-prepare counterexample (one broadcast of three 2a
// messages), the normal scenario and a long Multi-Paxos counterexample;
// the invariants must be in view at the first step and the last. A
// screenshot of each at its last step goes beside $VIEWER_SCREENSHOT.
func TestBrowserLayouts(t *testing.T) {
	ctx := browser(t, 1400, 1000)
	paxosPage := func(path string) func(t *testing.T) *viewer.Page {
		return func(t *testing.T) *viewer.Page {
			tr, err := paxostrace.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := paxosmodel.BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	tests := []struct {
		name string
		page func(t *testing.T) *viewer.Page
	}{
		{"skip-prepare", paxosPage(filepath.Join("..", "..", "traces", "counterexamples", "skip-prepare.jsonl"))},
		{"normal", func(t *testing.T) *viewer.Page {
			tr := scenarioTrace(t, "normal")
			p, err := paxosmodel.BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"wide cluster", func(t *testing.T) *viewer.Page {
			// 5 acceptors, 3 proposers, 2 learners, 3 clients: 13 lanes.
			s := world.NewSetup(5, 3, 2, 3)
			s.Budget = world.Budget{Drops: 1, Dups: 1, Crashes: 1}
			s.MaxRound = 2
			sm, err := paxosmodel.NewSim(paxosmodel.SimOptions(s))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := sm.Run(3).Trace()
			if err != nil {
				t.Fatal(err)
			}
			p, err := paxosmodel.BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"multipaxos adopt-lowest-vote", func(t *testing.T) *viewer.Page {
			tr, err := mptrace.ReadFile(filepath.Join("..", "..", "traces", "counterexamples", "multipaxos", "adopt-lowest-vote.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := mpmodel.BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.page(t)
			path := pageFile(t, p, "page")
			if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.ID("next"))); err != nil {
				t.Fatal(err)
			}
			checkLayout(t, ctx, p)
			// The banner words the claimed violation as every report does.
			banner := eval[string](t, ctx, `(() => { const v = document.getElementById("violation"); return v.hidden ? "" : v.textContent; })()`)
			if banner != p.Violation || (tc.name == "skip-prepare" || tc.name == "multipaxos adopt-lowest-vote") != strings.HasPrefix(banner, "VIOLATION: ") {
				t.Errorf("violation banner %q, want %q", banner, p.Violation)
			}
			invariantsInView(t, ctx, "step 0")
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.End)); err != nil {
				t.Fatal(err)
			}
			invariantsInView(t, ctx, "the last step")
			shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			saveScreenshot(t, shot, strings.ReplaceAll(tc.name, " ", "-"))
		})
	}
}
