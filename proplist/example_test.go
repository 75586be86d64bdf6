package proplist_test

import (
	"encoding/json"
	"fmt"

	"github.com/batoncluster/baton/proplist"
)

// Build the OfflineClusterGroupEx input buffer that asks the VM resources
// of a group to save instead of shutting down (VmResdllContextSave = 1):
// the property names are the resource type names.
func ExampleList_MarshalCompact() {
	const vmResdllContextSave = 1
	l := proplist.List{}.
		Set("Virtual Machine", proplist.DWORD(vmResdllContextSave)).
		Set("Virtual Machine Configuration", proplist.DWORD(vmResdllContextSave))

	b := l.MarshalCompact() // what os-win sends; l.Marshal() adds Windows' 4-byte end mark
	fmt.Println(len(b), len(l.Marshal()))
	fmt.Printf("%x\n", b[:60])
	// Output:
	// 144 148
	// 0200000003000400200000005600690072007400750061006c0020004d0061006300680069006e006500000002000100040000000100000000000000
}

func ExampleParseParam() {
	p, err := proplist.ParseParam("Virtual Machine=dword:1")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Name, p.Values[0].Kind(), p.Values[0].Text())
	fmt.Println(proplist.FormatParam(p))

	_, err = proplist.ParseParam("Virtual Machine=dword:-1")
	fmt.Println(err)
	// Output:
	// Virtual Machine dword 1
	// Virtual Machine=dword:1
	// proplist: bad parameter "Virtual Machine=dword:-1": invalid dword "-1" (want a decimal or 0x-prefixed hex number from 0 to 4294967295)
}

func ExampleParseParams() {
	l, err := proplist.ParseParams([]string{
		"OfflineAction=dword:1",
		"Description=sz:web tier",
		"PossibleOwners=multi_sz:node1;node2",
	})
	if err != nil {
		panic(err)
	}
	for _, p := range l {
		fmt.Println(proplist.FormatParam(p))
	}
	// Output:
	// OfflineAction=dword:1
	// Description=sz:web tier
	// PossibleOwners=multi_sz:node1;node2
}

func ExampleUnmarshal() {
	b := proplist.List{{Name: "Virtual Machine", Values: []proplist.Value{proplist.DWORD(4)}}}.Marshal()
	l, err := proplist.Unmarshal(b)
	if err != nil {
		panic(err)
	}
	v, ok := l.DWORD("Virtual Machine")
	fmt.Println(v, ok)

	_, err = proplist.Unmarshal(b[:len(b)-8])
	fmt.Println(err)
	// Output:
	// 4 true
	// proplist: malformed at byte 56: unexpected end of data reading value or ENDMARK of property "Virtual Machine" (need 4 bytes, have 0)
}

func ExampleList_MarshalJSON() {
	l := proplist.List{
		{Name: "Virtual Machine", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "Nodes", Values: []proplist.Value{proplist.MultiSZ("a", "b")}},
		{Name: "Path", Values: []proplist.Value{proplist.ExpandSZ(`%TEMP%\x`), proplist.ExpandedSZ(`C:\Temp\x`)}},
	}
	b, err := json.Marshal(l)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	back, err := proplist.ParseJSON(b)
	fmt.Println(back.Equal(l), err)
	// Output:
	// [{"name":"Virtual Machine","type":"dword","value":1},{"name":"Nodes","type":"multi_sz","value":["a","b"]},{"name":"Path","values":[{"type":"expand_sz","value":"%TEMP%\\x"},{"type":"expanded_sz","value":"C:\\Temp\\x"}]}]
	// true <nil>
}
