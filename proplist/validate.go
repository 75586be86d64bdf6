package proplist

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is matched (with errors.Is) by every error Validate returns.
var ErrInvalid = errors.New("proplist: invalid property list")

// Validate reports the first part of l that Marshal could not encode
// faithfully (Marshal then normalizes or leaves it out; see Marshal):
// a property without values, a value syntax Unmarshal would reject, a
// number out of range for its format, a string or name with a NUL or
// invalid UTF-8, an empty MULTI_SZ string, nesting deeper than MaxDepth,
// or data longer than a 32-bit length can describe. Lists returned by
// Unmarshal always validate. The error wraps ErrInvalid.
//
// The lists that validate are exactly those that come back equal from
// both encodings: Unmarshal(Marshal(l)) and ParseJSON(MarshalJSON(l))
// (MarshalJSON refuses the others). A program that stores property lists
// it is given should refuse those that do not validate.
func (l List) Validate() error {
	if msg := validateList(l, 0); msg != "" {
		return fmt.Errorf("%w: %s", ErrInvalid, msg)
	}
	return nil
}

// validateList checks l, nested depth levels deep, and says where and what
// the first problem is, or "". Locations are formatted only for a
// problem: a valid list validates without allocating.
func validateList(l List, depth int) string {
	for i, p := range l {
		var msg string
		switch {
		case checkString(p.Name) != "":
			msg = "name " + checkString(p.Name)
		case len(p.Values) == 0:
			msg = "no values"
		default:
			for j, v := range p.Values {
				if msg = validateValue(v, depth); msg != "" {
					if len(p.Values) > 1 {
						msg = fmt.Sprintf("value %d: %s", j+1, msg)
					}
					break
				}
			}
		}
		if msg != "" {
			return fmt.Sprintf("property %d (%q): %s", i+1, p.Name, msg)
		}
	}
	return ""
}

// validateValue says what keeps v from being encoded faithfully, or "".
func validateValue(v Value, depth int) string {
	if !v.Syntax.ValueSyntax() {
		return fmt.Sprintf("syntax %s is not a value syntax", v.Syntax)
	}
	switch f := v.Syntax.Format(); f {
	case FormatDWORD:
		if v.Uint > math.MaxUint32 {
			return fmt.Sprintf("%d out of range for %s", v.Uint, v.Syntax)
		}
	case FormatWord:
		if v.Uint > math.MaxUint16 {
			return fmt.Sprintf("%d out of range for %s", v.Uint, v.Syntax)
		}
	case FormatLong:
		if v.Int < math.MinInt32 || v.Int > math.MaxInt32 {
			return fmt.Sprintf("%d out of range for %s", v.Int, v.Syntax)
		}
	case FormatSZ, FormatExpandSZ, FormatExpandedSZ:
		if msg := checkString(v.Str); msg != "" {
			return fmt.Sprintf("%s %s", v.Syntax, msg)
		}
		if len(v.Str) > math.MaxUint32/4 {
			return "string too long"
		}
	case FormatMultiSZ:
		total := 0
		for k, s := range v.Strs {
			if s == "" {
				return fmt.Sprintf("MULTI_SZ string %d is empty (an empty string ends a MULTI_SZ)", k+1)
			}
			if msg := checkString(s); msg != "" {
				return fmt.Sprintf("MULTI_SZ string %d %s", k+1, msg)
			}
			total += len(s) + 1
		}
		if total > math.MaxUint32/4 {
			return "MULTI_SZ too long"
		}
	case FormatBinary, FormatSecurityDescriptor:
		if uint64(len(v.Bytes)) > math.MaxUint32-3 {
			return fmt.Sprintf("%d bytes of data is too long", len(v.Bytes))
		}
	case FormatPropertyList:
		if depth >= MaxDepth {
			return fmt.Sprintf("property lists nested deeper than %d levels", MaxDepth)
		}
		return validateList(v.List, depth+1)
	}
	return ""
}

// checkString returns a description of what keeps s from being encoded
// faithfully as a UTF-16 string, or "".
func checkString(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL character"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	return ""
}
