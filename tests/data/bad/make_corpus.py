#!/usr/bin/python3
"""Writes the malformed-input corpus read by tests/unit/test_csv.c and test_arff.c.

Each NAME.EXT here is one broken input; NAME.err holds the exact message the
loader must give (the path as the test passes it: tests/data/bad/NAME.EXT);
NAME.opts, when present, holds loader options, one key=value per line
(sep, header, label, time, ignore, columns, na; lists comma-separated).
The .err files are written by hand, not by this script.
Run from this directory:  /usr/bin/python3 make_corpus.py
"""
import gzip

def w(name, data, opts=None):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(name, mode, newline="" if mode == "w" else None) as f:
        f.write(data)
    if opts:
        with open(name.rsplit(".", 1)[0] + ".opts", "w") as f:
            f.write(opts)

many = "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(1200))

# --- CSV
w("ragged_short.csv", "x,y,z\n1,2,3\n4,5\n6,7,8\n")
w("ragged_long.csv", "x,y\n1,2\n3,4\n5,6,7\n")
w("ragged_late.csv", "a,b,label\n" + many + "1,2\n")
w("ragged_after_multiline.csv", 'id,note,v\n1,"two\nlines",3\n2,"x"\n')
w("ragged_tab.tsv", "a\tb\tc\n1\t2\t3\n4\t5\t6\t7\n")
w("unterminated_quote.csv", 'a,b\n1,"2\n3,4\n5,6\n')
w("unterminated_quote_header.csv", '"a,b\n1,2\n')
w("stray_quote.csv", 'size,price\n5",10\n')
w("junk_after_quote.csv", 'a,b\n"1"x,2\n')
w("text_in_numeric.csv", "x1,x2\n1.5,2\n2.5,3\n3.5,abc\n4.5,5\n")
w("text_in_numeric_late.csv", "a,b,label\n" + many + "7,oops,0\n")
w("long_text_in_numeric.csv", "x,y\n1,2\n3,4\n5," + "this value is much too long to be a number " * 3 + "\n")
w("number_with_unit.csv", "temp,label\n20.5,0\n21.0,0\n22.5C,1\n")
w("empty.csv", "")
w("blank_lines_only.csv", "\n\n  \n\r\n")
w("only_bom.csv", b"\xef\xbb\xbf")
w("header_only.csv", "x,y,label\n")
w("header_only_crlf_bom.csv", b"\xef\xbb\xbfx;y;label\r\n\r\n")
w("binary_nul.csv", b"x,y\n1,2\n\x00\x01\x02\x03binary\xff\xfe\n")
w("png_image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
w("latin1.csv", "name,value\ncaf\xe9,1\nna\xefve,2\n".encode("latin-1"))
w("label_three_values.csv", "x,label\n1,0\n2,1\n3,0\n4,2\n")
w("label_text_three.csv", "x,class\n1,normal\n2,anomaly\n3,unknown\n")
w("label_text_in_numeric.csv", "x,is_anomaly\n1,0\n2,1\n3,yes\n")
w("duplicate_names.csv", "x,y,x\n1,2,3\n")
w("duplicate_names_case.csv", "id,Value,value,Value\n1,2,3,4\n")
w("unknown_label.csv", "x,y,target\n1,2,0\n3,4,1\n", "label=tgt\n")
w("unknown_ignore.csv", "x,y,label\n1,2,0\n", "ignore=x,zz\n")
w("unknown_columns.csv", "x,y,label\n1,2,0\n", "columns=x,w\n")
w("unknown_time.csv", "timestamp,value\n2020-01-01,1\n", "time=time\n")
w("time_not_timestamp.csv", "name,value\nalpha,1\nbeta,2\n", "time=name\n")
w("bad_timestamp.csv", "ts,value\n2021-02-27,1\n2021-02-28,2\n2021-02-29,3\n2021-03-01,4\n")
w("label_is_time.csv", "t,v\n1,2\n", "label=t\ntime=t\n")
w("bad_sep_option.csv", "a,b\n1,2\n", 'sep="\n')
with open("data.csv.gz", "wb") as f:
    f.write(gzip.compress(b"x,y\n1,2\n", mtime=0))

# --- ARFF
# control characters: in a value (a terminal title sequence) and in a name
w("control_value.arff", "@relation r\n@attribute a numeric\n@attribute note string\n@data\n1,'\x1b]0;pwned\x07'\n")
w("control_char_name.arff", "@relation r\n@attribute a\x1b[2J numeric\n@data\n1\n")
w("sparse.arff", "@relation s\n@attribute a numeric\n@attribute b numeric\n@data\n{0 1, 1 2}\n")
w("no_data_section.arff", "@relation r\n@attribute a numeric\n@attribute b numeric\n")
w("no_rows.arff", "% nothing after @data\n@relation r\n@attribute a numeric\n@data\n\n% just a comment\n")
w("unknown_type.arff", "@relation r\n@attribute a numeric\n@attribute b float\n@data\n1,2\n")
w("nominal_bad_value.arff", "@relation r\n@attribute x numeric\n@attribute class {yes,no}\n@data\n1,yes\n2,maybe\n")
w("ragged.arff", "@relation r\n@attribute a real\n@attribute b real\n@attribute c real\n@data\n1,2,3\n4,5\n")
w("bad_number.arff", "@relation r\n@attribute a real\n@attribute b integer\n@data\n1,2\n3,4x\n")
w("unterminated_quote_value.arff", "@relation r\n@attribute name string\n@attribute v real\n@data\n'abc,1\n")
w("relational.arff", "@relation r\n@attribute bag relational\n@attribute v real\n@end bag\n@data\n")
w("data_before_header.arff", "@relation r\n1,2,3\n@attribute a real\n@data\n")
w("duplicate_attribute.arff", "@relation r\n@attribute a real\n@attribute 'a' integer\n@data\n1,2\n")
w("label_three_classes.arff", "@relation r\n@attribute x real\n@attribute class {a,b,c}\n@data\n1,a\n2,b\n3,c\n", "label=class\n")
w("unknown_keyword.arff", "@relation r\n@attribute a real\n@attrib b real\n@data\n")
w("nominal_unclosed.arff", "@relation r\n@attribute class {yes,no\n@data\nyes\n")
w("comments_only.arff", "% only a comment\n\n")
w("binary.arff", b"@relation r\n@attribute a real\n@data\n\x00\x00\x00\n")
