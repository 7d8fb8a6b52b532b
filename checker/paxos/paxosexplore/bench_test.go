package paxosexplore

import (
	"testing"
)

// benchExplore runs the explore command's default bounds (DefaultSetup:
// set network, 3 acceptors, 3 proposers, 3 clients, one acceptor crash;
// 312,576 states) on the correct protocol and reports distinct states per
// second and bytes per stored state.
func benchExplore(b *testing.B, workers int) {
	var r *Result
	for i := 0; i < b.N; i++ {
		var err error
		r, err = Run(DefaultSetup(), Options{Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(r.StatesPerSec(), "states/s")
	b.ReportMetric(r.BytesPerState(), "bytes/state")
	b.ReportMetric(float64(r.Distinct), "states")
}

// BenchmarkExplore1 is one worker.
func BenchmarkExplore1(b *testing.B) { benchExplore(b, 1) }

// BenchmarkExploreAll is GOMAXPROCS workers.
func BenchmarkExploreAll(b *testing.B) { benchExplore(b, 0) }
