package explore

import "math/rand/v2"

// certifyEvery is how many records a depth-first search collects before
// it certifies them.
const certifyEvery = 4096

// orderStream is the PCG stream of Options.Order's shuffles.
const orderStream = 0x5eed0f0de7

// dfs is the depth-first search: one worker, a stack of encoded states.
// It finds deep states sooner; its counterexamples are not shortest. It
// has the reduction prove what its hasher recorded whenever certifyEvery
// records are pending (Hasher.Pending), and at the end.
func (s *search[I, K, N, M, D, E]) dfs(w *worker[I, K, N, M, D, E], initFP uint64) (bool, error) {
	var stack level
	var nums []uint32
	var depths []int
	stack.push(w.ident, initFP, 0, 0)
	nums = append(nums, 0)
	depths = append(depths, 0)
	complete := true
	maxDepth := 0
	var rng *rand.Rand
	var order []int
	if s.opt.Order != 0 {
		rng = rand.New(rand.NewPCG(s.opt.Order, orderStream))
	}
	for stack.len() > 0 && !s.stop.Load() {
		top := stack.len() - 1
		enc, fp, num, depth := stack.get(top), stack.fps[top], nums[top], depths[top]
		if depth > maxDepth {
			maxDepth = depth
			s.depth.Store(int64(depth))
		}
		if s.opt.MaxDepth > 0 && depth >= s.opt.MaxDepth {
			complete = false
			w.out.reset()
		} else {
			w.out.reset()
			if err := w.expand(enc, fp, num, depth); err != nil {
				return false, err
			}
		}
		// Pop, then push the children (expand has decoded enc already).
		stack.truncate(top)
		nums, depths = nums[:top], depths[:top]
		// The last child pushed is taken first: the model's order, or
		// with Options.Order a seeded shuffle of it.
		n := w.out.len()
		if rng != nil {
			order = order[:0]
			for i := n - 1; i >= 0; i-- {
				order = append(order, i)
			}
			rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		}
		for k := range n {
			i := n - 1 - k
			if rng != nil {
				i = order[k]
			}
			nums = append(nums, uint32(s.parents.n))
			depths = append(depths, depth+1)
			s.parents.add(w.out.parent[i], w.out.act[i])
			stack.push(w.out.get(i), w.out.fps[i], w.out.parent[i], w.out.act[i])
		}
		s.transitions.Add(w.trans)
		w.trans = 0
		s.queue.Store(int64(stack.len()))
		if w.fp.Pending() >= certifyEvery && s.certify() {
			return false, nil
		}
	}
	// No verdict before the reduction used is certified (reduce.go).
	if s.certify() || s.found != nil || s.stop.Load() {
		return false, nil
	}
	return complete, nil
}
