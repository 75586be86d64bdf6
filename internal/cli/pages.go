package cli

// listPageSize is how many items a list command asks the agent for at a
// time (clusapi.WithPageSize; the lists follow the pages to the end): a
// cluster of 10,000 groups is listed in 20 calls, none of them big,
// rather than in one answer of everything.
var listPageSize int32 = 500
