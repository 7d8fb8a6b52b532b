package sim

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// Batch describes a set of seeded runs: seeds First, First+1, ...,
// First+Runs-1.
type Batch[I, K ~uint8, N any, M graph.Message[M], D, E, T any] struct {
	First uint64
	Runs  int
	// Workers run seeds in parallel; 0 means GOMAXPROCS. The summary does
	// not depend on it.
	Workers int
	// StopAtFirst stops at the first failing seed (in seed order): seeds
	// after it are not run, or not counted.
	StopAtFirst bool
	// OnResult, when set, is called with every run counted in the summary
	// (from the workers, concurrently, in no particular order). Under
	// StopAtFirst it may also see a few runs after the first failing seed
	// that ran before that seed failed.
	OnResult func(*Result[I, K, N, M, D, E, T])
	// Progress, when set, is called after every run (concurrently) with the
	// number of runs done and of violations so far. It must be cheap.
	Progress func(done, violations int64)
}

// Summary is what a batch found.
type Summary[I, K ~uint8, N any, M graph.Message[M], D, E, T any] struct {
	// Runs, Steps: the runs counted and their total number of steps.
	Runs  int
	Steps int64
	// Chosen, AllLearned, AllReturned count the runs with each "sometimes"
	// fact (see Result).
	Chosen, AllLearned, AllReturned int
	// Violations counts the failing runs; First is the failing run with
	// the lowest seed, or nil.
	Violations int
	First      *Result[I, K, N, M, D, E, T]
}

// runStat is what the summary keeps of one run.
type runStat struct {
	steps                                   int32
	done, failed, chosen, learned, returned bool
}

// RunBatch runs b's seeds. The summary is deterministic: with StopAtFirst
// it counts exactly the seeds up to and including the first failing one,
// whatever the number of workers and however they were scheduled. ctx
// cancellation stops the batch early; the summary then counts the seeds up
// to the first one not run.
func (s *Sim[I, K, N, M, D, E, T]) RunBatch(ctx context.Context, b Batch[I, K, N, M, D, E, T]) Summary[I, K, N, M, D, E, T] {
	workers := b.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	stats := make([]runStat, b.Runs)
	var (
		next      atomic.Int64
		done, bad atomic.Int64
		// limit is one past the index of the first failing seed found so
		// far: no seed at or beyond it needs to run under StopAtFirst.
		limit   atomic.Int64
		mu      sync.Mutex
		failure *Result[I, K, N, M, D, E, T]
		wg      sync.WaitGroup
	)
	limit.Store(int64(b.Runs))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= limit.Load() {
					return
				}
				r := s.Run(b.First + uint64(i))
				st := runStat{steps: int32(r.Steps()), done: true, failed: r.Violation != nil,
					chosen: r.Chosen, learned: r.AllLearned, returned: r.AllReturned}
				stats[i] = st
				if st.failed {
					bad.Add(1)
					mu.Lock()
					if failure == nil || r.Seed < failure.Seed {
						failure = r
					}
					mu.Unlock()
					if b.StopAtFirst {
						for {
							l := limit.Load()
							if i+1 >= l || limit.CompareAndSwap(l, i+1) {
								break
							}
						}
					}
				}
				if b.OnResult != nil && (!b.StopAtFirst || i < limit.Load()) {
					b.OnResult(r)
				}
				if b.Progress != nil {
					b.Progress(done.Add(1), bad.Load())
				}
			}
		}()
	}
	wg.Wait()
	var sum Summary[I, K, N, M, D, E, T]
	end := int(limit.Load())
	for i := 0; i < end; i++ {
		st := stats[i]
		if !st.done {
			break // cancelled: count the prefix that ran
		}
		sum.Runs++
		sum.Steps += int64(st.steps)
		if st.failed {
			sum.Violations++
		}
		if st.chosen {
			sum.Chosen++
		}
		if st.learned {
			sum.AllLearned++
		}
		if st.returned {
			sum.AllReturned++
		}
	}
	if failure != nil && failure.Seed-b.First < uint64(sum.Runs) {
		sum.First = failure
	}
	return sum
}
