package mpcluster

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"
)

// Bench is what a benchmark run measured: the commands answered, and the
// latency of each from the client's send to its answer.
type Bench struct {
	Answered, Unanswered int
	Throughput           float64 // answered commands per second of the run
	P50, P99, Max        time.Duration
}

// bench measures what the clients saw.
func (r *run) bench() *Result {
	res := &Result{Dir: r.opt.Dir, Elapsed: time.Since(r.started)}
	r.hist.mu.Lock()
	ops := slices.Clone(r.hist.ops)
	r.hist.mu.Unlock()
	writeHistory(filepath.Join(r.opt.Dir, "history.jsonl"), ops)
	var lat []time.Duration
	b := &Bench{}
	for _, op := range ops {
		if op.Reply == nil {
			b.Unanswered++
			continue
		}
		lat = append(lat, time.Duration(op.Return-op.Call))
	}
	b.Answered = len(lat)
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		b.P50, b.P99, b.Max = lat[n/2], lat[min(n-1, n*99/100)], lat[n-1]
	}
	b.Throughput = float64(b.Answered) / r.opt.Duration.Seconds()
	res.Bench = b
	res.Ops, res.Answered = len(ops), b.Answered
	return res
}

// ReportBench writes a benchmark's figures.
func (r *Result) ReportBench(w io.Writer) {
	b := r.Bench
	fmt.Fprintf(w, "bench: %d commands answered (%d not) in %v: %.0f commands/s; latency p50 %v, p99 %v, max %v\n",
		b.Answered, b.Unanswered, r.Elapsed.Round(time.Millisecond), b.Throughput, b.P50.Round(time.Microsecond), b.P99.Round(time.Microsecond), b.Max.Round(time.Microsecond))
}
