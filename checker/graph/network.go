package graph

// ToMultiset turns a path of the set network (Options.SetNetwork) into a path
// of the standard multiset network with the same node states and Sent
// along the way: before every delivery of a message m (ActDeliver or
// ActCrashMidStep) that is followed later in the path by another delivery
// of m, it inserts an ActDuplicate of m, so that a copy stays in flight for
// the later delivery. The result replays through a multiset world without
// fault budgets (Options.Unbounded, as a replay of a trace runs):
// every delivery finds its message in flight, because the set path only
// delivers messages already sent, and a message never delivered again is
// simply left in flight (lost). Messages sent twice leave extra copies in
// flight, which no invariant reads. The input is not modified.
func ToMultiset[I, K ~uint8, M Message[M]](path []Action[I, K, M]) []Action[I, K, M] {
	last := map[Action[I, K, M]]int{}
	for i, a := range path {
		if consumes(a.Kind) {
			last[deliveryKey(a)] = i
		}
	}
	out := make([]Action[I, K, M], 0, len(path))
	for i, a := range path {
		if consumes(a.Kind) && last[deliveryKey(a)] != i {
			out = append(out, Action[I, K, M]{Kind: ActDuplicate, Node: a.Node, Msg: a.Msg})
		}
		out = append(out, a)
	}
	return out
}

// consumes reports whether an action of kind k takes its message off a
// multiset network.
func consumes(k ActionKind) bool { return k == ActDeliver || k == ActCrashMidStep }

// deliveryKey identifies the message an action consumes, whatever the kind
// of consumption.
func deliveryKey[I, K ~uint8, M Message[M]](a Action[I, K, M]) Action[I, K, M] {
	return Action[I, K, M]{Msg: a.Msg}
}
