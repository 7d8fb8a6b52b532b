package invariant

// All lists every invariant in the order they are checked: cheap structural
// ones first, so that the first one reported is the most specific.
var All = []Invariant{}
