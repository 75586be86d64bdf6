package config

// The configuration file (`baton agent --config FILE`): YAML, one mapping
// whose keys are the agent's flag names without their dashes
// (`data-dir: /var/lib/baton`). A key sets its flag exactly as the flag
// would on the command line, through the same parser, so every flag has a
// key, a key means what its flag means, and a new flag is a new key. A
// flag given on the command line wins over the file.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// SecretAnnotation marks a flag whose value is a secret (pflag's
// SetAnnotation): --print-config shows it redacted, and a configuration
// file that sets it must not be readable by others.
const SecretAnnotation = "baton/secret"

// DocDefaultAnnotation gives the default a flag's documentation shows
// when its default depends on the machine (the node name is the host's).
const DocDefaultAnnotation = "baton/doc-default"

// Redacted stands for a secret's value in --print-config.
const Redacted = "<redacted>"

// notKeys are the agent's flags that have no key in a file.
var notKeys = map[string]bool{"config": true, "print-config": true, "help": true}

// IsKey reports whether the flag name is also a key of the file.
func IsKey(name string) bool { return !notKeys[name] }

// LoadFile applies the configuration file at path to fs: each key sets
// the flag of that name, unless the flag was given on the command line.
// An unknown key, a value of the wrong shape or one its flag refuses is
// an error naming the file, the line and the key; nothing is applied
// then. A file that sets a secret (join-token) must not be readable by
// group or others, as --cluster-secret-file.
func LoadFile(path string, fs *pflag.FlagSet) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	sets, err := parseFile(path, data, fs)
	if err != nil {
		return err
	}
	for _, s := range sets {
		if fs.Lookup(s.key).Annotations[SecretAnnotation] == nil {
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("--config: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("%s:%d: %s is a secret, and mode %v lets others read the file (chmod 600 %s)",
				path, s.line, s.key, fi.Mode().Perm(), path)
		}
	}
	return apply(path, sets, fs)
}

// setting is one key of a file and the value to give its flag.
type setting struct {
	key  string
	line int
	// one is the value of a scalar key; list, for a list flag given a
	// YAML sequence (or nothing), replaces the flag's values.
	one    string
	list   []string
	isList bool
}

// parseFile reads the file's keys and checks each against fs.
func parseFile(path string, data []byte, fs *pflag.FlagSet) ([]setting, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // empty, or only comments
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of keys (data-dir: /var/lib/baton), not a %s", path, top.Line, kindName(top))
	}
	var (
		out  []setting
		errs []error
		seen = map[string]int{}
	)
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("%s:%d: a key must be a name, not a %s", path, k.Line, kindName(k)))
			continue
		}
		key := k.Value
		if first, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: key %q given twice (first on line %d)", path, k.Line, key, first))
			continue
		}
		seen[key] = k.Line
		f := fs.Lookup(key)
		if f == nil || !IsKey(key) {
			msg := fmt.Sprintf("%s:%d: unknown key %q", path, k.Line, key)
			if f != nil {
				msg = fmt.Sprintf("%s:%d: %q is a command-line flag only, not a key of the file", path, k.Line, key)
			} else if s := strings.TrimLeft(key, "-"); s != key && fs.Lookup(s) != nil && IsKey(s) {
				msg += fmt.Sprintf(" (keys have no dashes: %s)", s)
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		s := setting{key: key, line: k.Line}
		_, isSlice := f.Value.(pflag.SliceValue)
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			// `key:` with no value: the empty value (no list items).
			s.isList = isSlice
		case v.Kind == yaml.ScalarNode:
			s.one = v.Value
		case v.Kind == yaml.SequenceNode && isSlice:
			s.isList = true
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					errs = append(errs, fmt.Errorf("%s:%d: %s: each item must be one value, not a %s", path, item.Line, key, kindName(item)))
					continue
				}
				s.list = append(s.list, item.Value)
			}
		case v.Kind == yaml.SequenceNode:
			errs = append(errs, fmt.Errorf("%s:%d: %s takes one value, not a list", path, v.Line, key))
			continue
		default:
			errs = append(errs, fmt.Errorf("%s:%d: %s takes a value, not a %s", path, v.Line, key, kindName(v)))
			continue
		}
		out = append(out, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// apply sets each flag the command line left alone. The flags it sets
// count as Changed afterwards, as if given on the command line: what a
// file sets one by one is not derived again (--advertise's addresses).
// Every bad value is reported, not only the first; the agent does not
// start then, so what the good ones set does not matter.
func apply(path string, sets []setting, fs *pflag.FlagSet) error {
	given := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { given[f.Name] = f.Changed })
	var errs []error
	for _, s := range sets {
		if given[s.key] {
			continue
		}
		if err := set(fs, s); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %v", path, s.line, s.key, err))
		}
	}
	return errors.Join(errs...)
}

// set gives s's value to its flag in fs.
func set(fs *pflag.FlagSet, s setting) error {
	f := fs.Lookup(s.key)
	if !s.isList {
		if err := f.Value.Set(s.one); err != nil {
			return fmt.Errorf("invalid value %q: %v", s.one, err)
		}
		f.Changed = true
		return nil
	}
	sv := f.Value.(pflag.SliceValue)
	if err := sv.Replace(s.list); err != nil {
		return fmt.Errorf("invalid value %q: %v", s.list, err)
	}
	f.Changed = true
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// Print writes the configuration fs holds as a configuration file: every
// key with its value now (after the file, the command line and what the
// agent derives from them), secrets redacted.
func Print(w io.Writer, fs *pflag.FlagSet) error {
	top := &yaml.Node{Kind: yaml.MappingNode,
		HeadComment: "baton agent: the effective configuration (--print-config)"}
	fs.VisitAll(func(f *pflag.Flag) {
		if !IsKey(f.Name) {
			return
		}
		top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f.Name}, valueNode(f))
	})
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(top); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// valueNode is f's current value as YAML: a list for list flags, a
// boolean or a number for those kinds, else a string.
func valueNode(f *pflag.Flag) *yaml.Node {
	secret := f.Annotations[SecretAnnotation] != nil
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range sv.GetSlice() {
			if secret {
				v = Redacted
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
		return n
	}
	v := f.Value.String()
	if secret && v != "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: Redacted}
	}
	tag := "!!str"
	switch f.Value.Type() {
	case "bool":
		tag = "!!bool"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count":
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
}

// KeysTable is the Markdown table of every key of the file: its flag,
// its default and what it sets (docs/configure.md shows it; a test keeps
// it current).
func KeysTable(fs *pflag.FlagSet) string {
	var b strings.Builder
	b.WriteString("| key | flag | default | what it sets |\n|---|---|---|---|\n")
	fs.VisitAll(func(f *pflag.Flag) {
		if !IsKey(f.Name) {
			return
		}
		def := f.DefValue
		if _, ok := f.Value.(pflag.SliceValue); ok && def == "[]" {
			def = ""
		}
		switch d := f.Annotations[DocDefaultAnnotation]; {
		case d != nil:
			def = strings.Join(d, " ")
		case def == "":
			def = "—"
		default:
			def = "`" + def + "`"
		}
		kind := f.Value.Type()
		switch kind {
		case "stringSlice":
			kind = "list"
		}
		usage := strings.NewReplacer("|", `\|`, "*", `\*`).Replace(f.Usage)
		if f.Annotations[SecretAnnotation] != nil {
			usage += " (a secret: --print-config redacts it, and a file that holds it must be mode 0600)"
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` (%s) | %s | %s |\n", f.Name, f.Name, kind, def, usage)
	})
	return b.String()
}
