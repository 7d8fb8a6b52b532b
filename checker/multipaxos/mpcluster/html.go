package mpcluster

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// writeHTML writes the run's pages: report.html (the verdict, the fault
// timeline: each node's lives, the partitions and every client operation
// on one time axis), history.html (Porcupine's view of the clients'
// history) and, for a run that failed, trace.html (the merged trace in
// the viewer: tens of megabytes for a run of seconds, so only where it
// is needed). A page that cannot be written is reported in the text
// report, not fatal.
func (r *run) writeHTML(res *Result, tr *mptrace.Trace, ops []Op) []string {
	var problems []string
	if tr != nil && res.Failed() {
		f, err := os.Create(filepath.Join(r.opt.Dir, "trace.html"))
		if err == nil {
			err = mpmodel.WriteHTML(f, tr, viewer.Options{Title: "cluster run " + r.opt.Dir})
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			problems = append(problems, "trace.html: "+err.Error())
		} else {
			res.Pages = append(res.Pages, "trace.html")
		}
	}
	if err := res.History.WriteHTML(filepath.Join(r.opt.Dir, "history.html")); err != nil {
		problems = append(problems, "history.html: "+err.Error())
	} else {
		res.Pages = append(res.Pages, "history.html")
	}
	var text bytes.Buffer
	res.Report(&text)
	page := reportPage{Title: "paxoscheck cluster: " + r.opt.Dir, Report: text.String(), Pages: res.Pages}
	page.timeline(r, ops)
	var b bytes.Buffer
	if err := reportTmpl.Execute(&b, &page); err != nil {
		return append(problems, "report.html: "+err.Error())
	}
	if err := os.WriteFile(filepath.Join(r.opt.Dir, "report.html"), b.Bytes(), 0o644); err != nil {
		return append(problems, "report.html: "+err.Error())
	}
	res.Pages = append(res.Pages, "report.html")
	return problems
}

type bar struct {
	X, W  float64 // percent of the run
	Label string
	Class string
}

type lane struct {
	Name string
	Bars []bar
}

type reportPage struct {
	Title, Report string
	Pages         []string
	Lanes         []lane
	Seconds       float64
}

// timeline lays the schedule and the operations on one axis: the
// workload's duration plus the final reads.
func (p *reportPage) timeline(r *run, ops []Op) {
	end := r.opt.Duration
	for _, op := range ops {
		if op.Return > 0 {
			end = max(end, time.Duration(op.Return-r.start))
		}
	}
	p.Seconds = end.Seconds()
	pct := func(d time.Duration) float64 { return 100 * d.Seconds() / end.Seconds() }
	down := map[mp.NodeID]time.Duration{}
	nodes := map[mp.NodeID]*lane{}
	for _, id := range r.cfg.Nodes() {
		role, _, _ := r.cfg.RoleOf(id)
		p.Lanes = append(p.Lanes, lane{Name: fmt.Sprintf("%s %d", role, id)})
	}
	for i, id := range r.cfg.Nodes() {
		nodes[id] = &p.Lanes[i]
	}
	part := lane{Name: "network"}
	var cutAt time.Duration
	var side []mp.NodeID
	var but string
	for _, e := range r.events {
		switch e.Kind {
		case EvKill:
			down[e.Node] = e.At
		case EvRestart:
			at := down[e.Node]
			nodes[e.Node].Bars = append(nodes[e.Node].Bars, bar{X: pct(at), W: pct(e.At - at), Label: fmt.Sprintf("killed at %.2fs, restarted at %.2fs", at.Seconds(), e.At.Seconds()), Class: "down"})
		case EvPartition:
			cutAt, side, but = e.At, e.Side, ""
		case EvBridge:
			cutAt, side, but = e.At, e.Side, fmt.Sprintf(" but bridge %d", e.Node)
		case EvHeal:
			part.Bars = append(part.Bars, bar{X: pct(cutAt), W: pct(e.At - cutAt), Label: fmt.Sprintf("%s cut from the rest%s, %.2fs to %.2fs", nodeSet(side), but, cutAt.Seconds(), e.At.Seconds()), Class: "cut"})
		}
	}
	p.Lanes = append(p.Lanes, part)
	first := len(p.Lanes)
	clients := map[mp.NodeID]int{} // proposer -> its clients' lane
	for k, id := range r.cfg.Proposers {
		p.Lanes = append(p.Lanes, lane{Name: fmt.Sprintf("clients of %d", id)})
		clients[id] = first + k
	}
	for _, op := range ops {
		l := &p.Lanes[clients[op.Proposer]]
		call := time.Duration(op.Call - r.start)
		b := bar{X: pct(call), W: 0.3, Class: "unknown", Label: fmt.Sprintf("%s at %.3fs: %s", op.Cmd, call.Seconds(), op.Outcome)}
		if op.Reply != nil {
			ret := time.Duration(op.Return - r.start)
			b.W, b.Class = max(0.3, pct(ret-call)), "ok"
			b.Label = fmt.Sprintf("%s, %.3fs to %.3fs", op.Cmd, call.Seconds(), ret.Seconds())
		}
		if op.Final {
			b.Class += " final"
		}
		l.Bars = append(l.Bars, b)
	}
}

var reportTmpl = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
.lane { display: flex; align-items: center; margin: 2px 0; }
.name { width: 11em; flex: none; font-size: 12px; }
.track { position: relative; flex: 1; height: 16px; background: #f0f0f0; }
.bar { position: absolute; top: 2px; height: 12px; }
.down { background: #d33; } .cut { background: #e90; }
.ok { background: #4a4; opacity: .55; } .unknown { background: #999; }
.final { outline: 1px solid #000; }
.axis { margin-left: 11em; font-size: 12px; color: #666; }
</style></head><body>
<h1>{{.Title}}</h1>
<p>{{range .Pages}}<a href="{{.}}">{{.}}</a> {{end}}</p>
<pre>{{.Report}}</pre>
<h2>Timeline</h2>
<p>Red: a node down (kill -9 to its restart). Orange: a partition or a bridge. Green: a client operation from its call to its answer; grey: no answer (unknown); outlined: the final reads. Hover for details.</p>
{{range .Lanes}}<div class="lane"><div class="name">{{.Name}}</div><div class="track">{{range .Bars}}<div class="bar {{.Class}}" style="left:{{printf "%.3f" .X}}%;width:{{printf "%.3f" .W}}%" title="{{.Label}}"></div>{{end}}</div></div>
{{end}}<div class="axis">0 s to {{printf "%.1f" .Seconds}} s</div>
</body></html>
`))
