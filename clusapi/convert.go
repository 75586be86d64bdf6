package clusapi

import (
	"time"

	"github.com/batoncluster/baton/internal/wire"
)

// The property-list conversion is package internal/wire's, shared with
// the server and the CLI.
var (
	toPBList   = wire.FromList
	fromPBList = wire.ToList
)

// badReply reports an answer of the server this client cannot read.
func badReply(call string, err error) error {
	return &APIError{Code: ERROR_CLUSTER_CANT_DESERIALIZE_DATA, Message: call + ": unreadable answer: " + err.Error()}
}

func unixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func timesFromPB(ns []int64) []time.Time {
	if len(ns) == 0 {
		return nil
	}
	out := make([]time.Time, len(ns))
	for i, n := range ns {
		out[i] = time.Unix(0, n)
	}
	return out
}
