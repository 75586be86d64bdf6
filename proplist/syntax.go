package proplist

import "fmt"

// Syntax is a CLUSPROP_SYNTAX value: (type << 16) | format.
//
// On the wire it is a little-endian uint32, so the bytes are format low,
// format high, type low, type high.
type Syntax uint32

// Format is the low word of a Syntax (CLUSTER_PROPERTY_FORMAT). It decides
// how the data of an entry is laid out.
type Format uint16

// PropType is the high word of a Syntax (CLUSTER_PROPERTY_TYPE).
type PropType uint16

// CLUSTER_PROPERTY_FORMAT values.
const (
	FormatUnknown            Format = 0
	FormatBinary             Format = 1
	FormatDWORD              Format = 2
	FormatSZ                 Format = 3
	FormatExpandSZ           Format = 4
	FormatMultiSZ            Format = 5
	FormatULargeInteger      Format = 6
	FormatLong               Format = 7
	FormatExpandedSZ         Format = 8
	FormatSecurityDescriptor Format = 9
	FormatLargeInteger       Format = 10
	FormatWord               Format = 11
	FormatFileTime           Format = 12
	FormatValueList          Format = 13
	FormatPropertyList       Format = 14
	FormatUser               Format = 0x8000
)

// CLUSTER_PROPERTY_TYPE values.
const (
	TypeEndmark                   PropType = 0
	TypeListValue                 PropType = 1
	TypeResClass                  PropType = 2
	TypeReserved1                 PropType = 3
	TypeName                      PropType = 4
	TypeSignature                 PropType = 5
	TypeSCSIAddress               PropType = 6
	TypeDiskNumber                PropType = 7
	TypePartitionInfo             PropType = 8
	TypeFTSetInfo                 PropType = 9
	TypeDiskSerialNumber          PropType = 10
	TypeDiskGUID                  PropType = 11
	TypeDiskSize                  PropType = 12
	TypePartitionInfoEx           PropType = 13
	TypePartitionInfoEx2          PropType = 14
	TypeStorageDeviceIDDescriptor PropType = 15
	TypeUser                      PropType = 0x8000
	TypeUnknown                   PropType = 0xFFFF // CLUSPROP_TYPE_UNKNOWN (-1)
)

// CLUSPROP_SYNTAX_* values. These are the only syntaxes Unmarshal accepts;
// SyntaxEndmark and SyntaxName are structural and never appear in a Value.
const (
	SyntaxEndmark  Syntax = 0x00000000
	SyntaxName     Syntax = 0x00040003
	SyntaxResClass Syntax = 0x00020002

	SyntaxBinary             Syntax = 0x00010001 // LIST_VALUE_BINARY
	SyntaxDWORD              Syntax = 0x00010002 // LIST_VALUE_DWORD
	SyntaxSZ                 Syntax = 0x00010003 // LIST_VALUE_SZ
	SyntaxExpandSZ           Syntax = 0x00010004 // LIST_VALUE_EXPAND_SZ
	SyntaxMultiSZ            Syntax = 0x00010005 // LIST_VALUE_MULTI_SZ
	SyntaxULargeInteger      Syntax = 0x00010006 // LIST_VALUE_ULARGE_INTEGER
	SyntaxLong               Syntax = 0x00010007 // LIST_VALUE_LONG
	SyntaxExpandedSZ         Syntax = 0x00010008 // LIST_VALUE_EXPANDED_SZ (server to client only)
	SyntaxSecurityDescriptor Syntax = 0x00010009 // LIST_VALUE_SECURITY_DESCRIPTOR
	SyntaxLargeInteger       Syntax = 0x0001000A // LIST_VALUE_LARGE_INTEGER
	SyntaxWord               Syntax = 0x0001000B // LIST_VALUE_WORD
	SyntaxFileTime           Syntax = 0x0001000C // LIST_VALUE_FILETIME
	SyntaxPropertyList       Syntax = 0x0001000E // LIST_VALUE_PROPERTY_LIST

	SyntaxDiskSignature             Syntax = 0x00050002
	SyntaxSCSIAddress               Syntax = 0x00060002
	SyntaxDiskNumber                Syntax = 0x00070002
	SyntaxPartitionInfo             Syntax = 0x00080001
	SyntaxFTSetInfo                 Syntax = 0x00090001
	SyntaxDiskSerialNumber          Syntax = 0x000A0003
	SyntaxDiskGUID                  Syntax = 0x000B0003
	SyntaxDiskSize                  Syntax = 0x000C0006
	SyntaxPartitionInfoEx           Syntax = 0x000D0001
	SyntaxPartitionInfoEx2          Syntax = 0x000E0001
	SyntaxStorageDeviceIDDescriptor Syntax = 0x000F0001
)

// Format returns the low word of s.
func (s Syntax) Format() Format { return Format(s & 0xFFFF) }

// Type returns the high word of s.
func (s Syntax) Type() PropType { return PropType(s >> 16) }

// syntaxInfo describes one known syntax.
type syntaxInfo struct {
	name string // CLUSPROP_SYNTAX_ suffix
	kind string // text/JSON kind; empty for syntaxes without a short kind
}

var syntaxes = map[Syntax]syntaxInfo{
	SyntaxEndmark:  {"ENDMARK", ""},
	SyntaxName:     {"NAME", ""},
	SyntaxResClass: {"RESCLASS", ""},

	SyntaxBinary:             {"LIST_VALUE_BINARY", "binary"},
	SyntaxDWORD:              {"LIST_VALUE_DWORD", "dword"},
	SyntaxSZ:                 {"LIST_VALUE_SZ", "sz"},
	SyntaxExpandSZ:           {"LIST_VALUE_EXPAND_SZ", "expand_sz"},
	SyntaxMultiSZ:            {"LIST_VALUE_MULTI_SZ", "multi_sz"},
	SyntaxULargeInteger:      {"LIST_VALUE_ULARGE_INTEGER", "ularge"},
	SyntaxLong:               {"LIST_VALUE_LONG", "long"},
	SyntaxExpandedSZ:         {"LIST_VALUE_EXPANDED_SZ", "expanded_sz"},
	SyntaxSecurityDescriptor: {"LIST_VALUE_SECURITY_DESCRIPTOR", "security_descriptor"},
	SyntaxLargeInteger:       {"LIST_VALUE_LARGE_INTEGER", "large"},
	SyntaxWord:               {"LIST_VALUE_WORD", "word"},
	SyntaxFileTime:           {"LIST_VALUE_FILETIME", "filetime"},
	SyntaxPropertyList:       {"LIST_VALUE_PROPERTY_LIST", "property_list"},

	SyntaxDiskSignature:             {"DISK_SIGNATURE", ""},
	SyntaxSCSIAddress:               {"SCSI_ADDRESS", ""},
	SyntaxDiskNumber:                {"DISK_NUMBER", ""},
	SyntaxPartitionInfo:             {"PARTITION_INFO", ""},
	SyntaxFTSetInfo:                 {"FTSET_INFO", ""},
	SyntaxDiskSerialNumber:          {"DISK_SERIALNUMBER", ""},
	SyntaxDiskGUID:                  {"DISK_GUID", ""},
	SyntaxDiskSize:                  {"DISK_SIZE", ""},
	SyntaxPartitionInfoEx:           {"PARTITION_INFO_EX", ""},
	SyntaxPartitionInfoEx2:          {"PARTITION_INFO_EX2", ""},
	SyntaxStorageDeviceIDDescriptor: {"STORAGE_DEVICE_ID_DESCRIPTOR", ""},
}

// kindSyntax maps the text/JSON kind names back to their syntax.
var kindSyntax = func() map[string]Syntax {
	m := make(map[string]Syntax)
	for s, info := range syntaxes {
		if info.kind != "" {
			m[info.kind] = s
		}
	}
	return m
}()

// ValueSyntax reports whether s may appear in a value entry, that is whether
// it is one of the CLUSPROP_SYNTAX_* values of the reference table other than
// ENDMARK and NAME. Unmarshal rejects every other syntax, and Marshal omits
// values that have one.
func (s Syntax) ValueSyntax() bool {
	_, ok := syntaxes[s]
	return ok && s != SyntaxEndmark && s != SyntaxName
}

// String returns the CLUSPROP_SYNTAX_ name without prefix, for example
// "LIST_VALUE_DWORD", or the hexadecimal value, for example "0x00010010",
// for syntaxes not in the table.
func (s Syntax) String() string {
	if info, ok := syntaxes[s]; ok {
		return info.name
	}
	return fmt.Sprintf("0x%08X", uint32(s))
}

var formatNames = [...]string{
	FormatUnknown:            "UNKNOWN",
	FormatBinary:             "BINARY",
	FormatDWORD:              "DWORD",
	FormatSZ:                 "SZ",
	FormatExpandSZ:           "EXPAND_SZ",
	FormatMultiSZ:            "MULTI_SZ",
	FormatULargeInteger:      "ULARGE_INTEGER",
	FormatLong:               "LONG",
	FormatExpandedSZ:         "EXPANDED_SZ",
	FormatSecurityDescriptor: "SECURITY_DESCRIPTOR",
	FormatLargeInteger:       "LARGE_INTEGER",
	FormatWord:               "WORD",
	FormatFileTime:           "FILETIME",
	FormatValueList:          "VALUE_LIST",
	FormatPropertyList:       "PROPERTY_LIST",
}

// String returns the CLUSPROP_FORMAT_ name without prefix, for example
// "DWORD", or "0x" and four hex digits for unknown values.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	if f == FormatUser {
		return "USER"
	}
	return fmt.Sprintf("0x%04X", uint16(f))
}

var typeNames = [...]string{
	TypeEndmark:                   "ENDMARK",
	TypeListValue:                 "LIST_VALUE",
	TypeResClass:                  "RESCLASS",
	TypeReserved1:                 "RESERVED1",
	TypeName:                      "NAME",
	TypeSignature:                 "SIGNATURE",
	TypeSCSIAddress:               "SCSI_ADDRESS",
	TypeDiskNumber:                "DISK_NUMBER",
	TypePartitionInfo:             "PARTITION_INFO",
	TypeFTSetInfo:                 "FTSET_INFO",
	TypeDiskSerialNumber:          "DISK_SERIALNUMBER",
	TypeDiskGUID:                  "DISK_GUID",
	TypeDiskSize:                  "DISK_SIZE",
	TypePartitionInfoEx:           "PARTITION_INFO_EX",
	TypePartitionInfoEx2:          "PARTITION_INFO_EX2",
	TypeStorageDeviceIDDescriptor: "STORAGE_DEVICE_ID_DESCRIPTOR",
}

// String returns the CLUSPROP_TYPE_ name without prefix, for example
// "LIST_VALUE", or "0x" and four hex digits for unknown values.
func (t PropType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	switch t {
	case TypeUser:
		return "USER"
	case TypeUnknown:
		return "UNKNOWN"
	}
	return fmt.Sprintf("0x%04X", uint16(t))
}

// fixedSize returns the exact data length required for formats with a fixed
// size, or -1 for variable-length formats.
func (f Format) fixedSize() int {
	switch f {
	case FormatDWORD, FormatLong:
		return 4
	case FormatWord:
		return 2
	case FormatULargeInteger, FormatLargeInteger, FormatFileTime:
		return 8
	}
	return -1
}

// field classifies formats by the Value field that holds their data.
type field int

const (
	fieldNone field = iota
	fieldUint
	fieldInt
	fieldStr
	fieldStrs
	fieldBytes
	fieldList
)

func (f Format) field() field {
	switch f {
	case FormatDWORD, FormatWord, FormatULargeInteger, FormatFileTime:
		return fieldUint
	case FormatLong, FormatLargeInteger:
		return fieldInt
	case FormatSZ, FormatExpandSZ, FormatExpandedSZ:
		return fieldStr
	case FormatMultiSZ:
		return fieldStrs
	case FormatBinary, FormatSecurityDescriptor:
		return fieldBytes
	case FormatPropertyList:
		return fieldList
	}
	return fieldNone
}
