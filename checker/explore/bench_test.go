package explore

import (
	"testing"
)

// benchExplore runs the small correct configuration and reports distinct
// states per second and bytes per stored state.
func benchExplore(b *testing.B, workers int) {
	var r *Result
	for i := 0; i < b.N; i++ {
		var err error
		r, err = Run(small(), Options{Workers: workers})
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
