//go:build linux

package chaos

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/batoncluster/baton/clusapi"
)

// The model the history is checked against: every modelled piece of the
// cluster's state is a register of its own (a group's persistent state, a
// group's or resource's property, whether the scratch resource exists),
// and the cluster must behave as if each call took effect at one moment
// between its call and its answer (linearizability, checked by
// porcupine). Acknowledged writes (0, 997) took effect; refused ones did
// not (and are left out); unknown ones may have — the model allows both.
// The reads are the checker's own, at the end of every round, once the
// cluster has settled: every node must give the same value.
//
// An unknown call is given the start of the round's reads as its answer
// time: the checker assumes that by then (faults healed, every agent
// running again and the cluster settled, seconds after the driver's last
// call) whatever the call was going to do is done. A call whose effect
// came later would show as a violation, not pass unseen.
//
// Since the reads at the end of a round are linearized after every call
// of the round and before every call of the next, the whole history is
// linearizable exactly when each round is, starting from what the
// previous round's reads saw: so each round is checked on its own, which
// keeps the check fast however long the run.

// Register operations.
const (
	opWrite   = "write"
	opRead    = "read"
	opCreate  = "create"
	opDelete  = "delete"
	opExists  = "exists" // a refusal that shows the object exists
	opMissing = "absent" // a refusal that shows it does not
)

type modelInput struct {
	Key   string
	Op    string
	Value int64
}

type modelOutput struct {
	Outcome Outcome
	Value   int64 // what a read saw
}

const unset int64 = -1 << 62 // a register nobody wrote yet

var registerModel = porcupine.NondeterministicModel{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		by := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range h {
			k := op.Input.(modelInput).Key
			if _, ok := by[k]; !ok {
				keys = append(keys, k)
			}
			by[k] = append(by[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, by[k])
		}
		return out
	},
	Init: func() []any { return []any{unset} },
	Step: func(state, input, output any) []any {
		s, in, out := state.(int64), input.(modelInput), output.(modelOutput)
		maybe := out.Outcome == Unknown
		switch in.Op {
		case opWrite:
			if maybe {
				return []any{s, in.Value}
			}
			return []any{in.Value}
		case opRead:
			if s == out.Value {
				return []any{s}
			}
			return nil
		case opCreate, opDelete:
			want, to := int64(0), int64(1) // create: absent → present
			if in.Op == opDelete {
				want, to = 1, 0
			}
			switch {
			case s == want && maybe:
				return []any{s, to}
			case s == want:
				return []any{to}
			case maybe:
				return []any{s} // it cannot have succeeded
			}
			return nil
		case opExists:
			if s == 1 {
				return []any{s}
			}
			return nil
		case opMissing:
			if s == 0 {
				return []any{s}
			}
			return nil
		}
		return nil
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(modelInput), output.(modelOutput)
		if in.Op == opRead {
			return fmt.Sprintf("read %s → %d", in.Key, out.Value)
		}
		return fmt.Sprintf("%s %s %d → %s", in.Op, in.Key, in.Value, out.Outcome)
	},
	DescribeState: func(state any) string { return fmt.Sprint(state) },
}

// modelOp turns a driver call into a register operation; ok is false for
// calls the model leaves out (unmodelled, or refusals that show nothing).
func modelOp(c Call) (modelInput, bool) {
	if c.Key == "" {
		return modelInput{}, false
	}
	in := modelInput{Key: c.Key, Op: opWrite, Value: c.Value}
	switch c.Kind {
	case "CreateResource":
		in.Op = opCreate
	case "DeleteResource":
		in.Op = opDelete
	}
	if c.Outcome != Refused {
		return in, true
	}
	switch {
	case in.Op == opCreate && c.Code == clusapi.ERROR_OBJECT_ALREADY_EXISTS:
		in.Op = opExists
	case in.Op == opDelete && c.Code == clusapi.ERROR_RESOURCE_NOT_FOUND:
		in.Op = opMissing
	case in.Op == opDelete && c.Code == clusapi.ERROR_INVALID_STATE: // it is there, not offline
		in.Op = opExists
	default:
		return modelInput{}, false
	}
	return in, true
}

// CheckRound checks one round's calls against the model: before starts
// the round from what the previous reads saw (nil: nothing), after are
// this round's reads, taken between readAt and readEnd. On a violation
// it writes porcupine's visualization to vizPath and says which keys.
func CheckRound(before, after map[string]int64, calls []Call, readAt, readEnd int64, vizPath string) error {
	var ops []porcupine.Operation
	first := readAt
	for _, c := range calls {
		first = min(first, c.Start)
	}
	keys := map[string]bool{}
	for k, v := range before {
		keys[k] = true
		ops = append(ops, porcupine.Operation{ClientId: 0, Input: modelInput{Key: k, Op: opWrite, Value: v},
			Output: modelOutput{Outcome: OK}, Call: first - 2, Return: first - 1})
	}
	for _, c := range calls {
		in, ok := modelOp(c)
		if !ok {
			continue
		}
		keys[in.Key] = true
		end := c.End
		if c.Outcome == Unknown {
			end = readAt - 1
		}
		if end >= readAt {
			return fmt.Errorf("call %v ended after the round's reads began", c)
		}
		ops = append(ops, porcupine.Operation{ClientId: c.Client + 1, Input: in, Output: modelOutput{Outcome: c.Outcome},
			Call: c.Start, Return: end, Metadata: c.String()})
	}
	for k := range keys {
		v, ok := after[k]
		if !ok {
			return fmt.Errorf("no read of %s at the end of the round", k)
		}
		ops = append(ops, porcupine.Operation{ClientId: 0, Input: modelInput{Key: k, Op: opRead},
			Output: modelOutput{Outcome: OK, Value: v}, Call: readAt, Return: readEnd})
	}
	model := registerModel.ToModel()
	res, info := porcupine.CheckOperationsVerbose(model, ops, time.Minute)
	switch res {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		return fmt.Errorf("porcupine could not decide within a minute (%d operations)", len(ops))
	}
	var bad []string
	for _, part := range registerModel.Partition(ops) {
		if porcupine.CheckOperations(model, part) {
			continue
		}
		k := part[0].Input.(modelInput).Key
		var lines []string
		for _, op := range part {
			m, _ := op.Metadata.(string)
			if m == "" {
				m = model.DescribeOperation(op.Input, op.Output)
			}
			lines = append(lines, m)
		}
		sort.Strings(lines)
		bad = append(bad, fmt.Sprintf("%s (before %d, after %d):\n    %s", k, before[k], after[k], strings.Join(lines, "\n    ")))
	}
	slices.Sort(bad)
	if vizPath != "" {
		if f, err := os.Create(vizPath); err == nil {
			_ = porcupine.Visualize(model, info, f)
			f.Close()
		}
	}
	return fmt.Errorf("not linearizable (an acknowledged change lost, or a refused one applied): %s", strings.Join(bad, "\n  "))
}
