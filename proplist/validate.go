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
func (l List) Validate() error {
	return validateList(l, 0, "")
}

func invalid(where, format string, args ...any) error {
	return fmt.Errorf("%w: %s%s", ErrInvalid, where, fmt.Sprintf(format, args...))
}

func validateList(l List, depth int, where string) error {
	for i, p := range l {
		at := fmt.Sprintf("%sproperty %d (%q): ", where, i+1, p.Name)
		if err := checkString(p.Name); err != "" {
			return invalid(at, "name %s", err)
		}
		if len(p.Values) == 0 {
			return invalid(at, "no values")
		}
		for j, v := range p.Values {
			vat := at
			if len(p.Values) > 1 {
				vat = fmt.Sprintf("%svalue %d: ", at, j+1)
			}
			if err := validateValue(v, depth, vat); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateValue(v Value, depth int, at string) error {
	if !v.Syntax.ValueSyntax() {
		return invalid(at, "syntax %s is not a value syntax", v.Syntax)
	}
	switch f := v.Syntax.Format(); f {
	case FormatDWORD:
		if v.Uint > math.MaxUint32 {
			return invalid(at, "%d out of range for %s", v.Uint, v.Syntax)
		}
	case FormatWord:
		if v.Uint > math.MaxUint16 {
			return invalid(at, "%d out of range for %s", v.Uint, v.Syntax)
		}
	case FormatLong:
		if v.Int < math.MinInt32 || v.Int > math.MaxInt32 {
			return invalid(at, "%d out of range for %s", v.Int, v.Syntax)
		}
	case FormatSZ, FormatExpandSZ, FormatExpandedSZ:
		if err := checkString(v.Str); err != "" {
			return invalid(at, "%s %s", v.Syntax, err)
		}
		if len(v.Str) > math.MaxUint32/4 {
			return invalid(at, "string too long")
		}
	case FormatMultiSZ:
		total := 0
		for k, s := range v.Strs {
			if s == "" {
				return invalid(at, "MULTI_SZ string %d is empty (an empty string ends a MULTI_SZ)", k+1)
			}
			if err := checkString(s); err != "" {
				return invalid(at, "MULTI_SZ string %d %s", k+1, err)
			}
			total += len(s) + 1
		}
		if total > math.MaxUint32/4 {
			return invalid(at, "MULTI_SZ too long")
		}
	case FormatBinary, FormatSecurityDescriptor:
		if uint64(len(v.Bytes)) > math.MaxUint32-3 {
			return invalid(at, "%d bytes of data is too long", len(v.Bytes))
		}
	case FormatPropertyList:
		if depth >= MaxDepth {
			return invalid(at, "property lists nested deeper than %d levels", MaxDepth)
		}
		return validateList(v.List, depth+1, at)
	}
	return nil
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
