package mpvalidate

import (
	"context"
	"fmt"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
)

// BenchmarkValidate validates 100, 300 and 1,000 simulated Multi-Paxos
// traces (TestSimulatedValidate's runs: every fault on, at most 300 steps
// each) with 2 TLC processes, as `paxoscheck validate --workers 2` does:
// the cost per trace, JVM start included. go test -run '^$' -bench
// Validate -benchtime 1x ./checker/multipaxos/mpvalidate (needs TLC:
// TLA2TOOLS_JAR).
func BenchmarkValidate(b *testing.B) {
	jar := tlctest.Jar(b)
	all := simulated(b, 1000, 0)
	for _, n := range []int{100, 300, 1000} {
		ts := all[:n]
		steps, entries := 0, 0
		for _, t := range ts {
			steps += len(t.Steps)
			log, err := Entries(t)
			if err != nil {
				b.Fatal(err)
			}
			entries += len(log)
		}
		b.Run(fmt.Sprintf("traces=%d", n), func(b *testing.B) {
			for range b.N {
				rs, err := Validate(context.Background(), jar, ts, Options{Workers: 2})
				if err != nil {
					b.Fatal(err)
				}
				for i, r := range rs {
					if !r.Accepted {
						b.Fatalf("trace %d rejected at step %d", i+1, r.Entry.Step)
					}
				}
			}
			b.ReportMetric(float64(steps)/float64(n), "steps/trace")
			b.ReportMetric(float64(entries)/float64(n), "entries/trace")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(n)*1000, "ms/trace")
		})
	}
}
