package viewer_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
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

// TestBrowser opens the generated page in headless Chromium, clicks "next"
// N times, and compares every node's shown state with the state Go
// computed by replaying the trace to step N. It also presses the arrow keys
// and takes a screenshot (written to $VIEWER_SCREENSHOT when set, for a
// person to look at).
func TestBrowser(t *testing.T) {
	bin := findBrowser()
	if bin == "" {
		t.Skip("no chromium, chromium-browser or google-chrome on PATH: browser test of the HTML viewer skipped (apt-get install chromium)")
	}
	tr := scenarioTrace(t, "proposer-crash-after-phase2a")
	p, err := paxosmodel.BuildPage(&tr, viewer.Options{Title: "scenario proposer-crash-after-phase2a"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trace.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
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
		chromedp.WindowSize(1500, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	// shown reads every node's text as the page shows it.
	shown := func(step int) {
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
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.ID("next"))); err != nil {
		t.Fatal(err)
	}
	shown(0)
	const clicks = 12 // up to the crash of proposer 3 (step 12)
	if p.States[clicks][3].Text() == p.States[0][3].Text() {
		t.Fatal("proposer 3's state at step 12 equals its initial state: the comparison would prove nothing")
	}
	for i := 0; i < clicks; i++ {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next"))); err != nil {
			t.Fatal(err)
		}
	}
	shown(clicks)
	pos, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("position")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "step 12 / " + strconv.Itoa(len(tr.Steps)); pos != want {
		t.Errorf("position %q, want %q", pos, want)
	}
	// Keyboard: two steps back, one forward.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft),
		chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	shown(clicks - 1)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("VIEWER_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
