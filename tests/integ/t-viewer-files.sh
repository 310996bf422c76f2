#!/bin/sh
# The viewer's Files screen under tmux: this machine on the left, the
# agent's on the right; g copies a file or a whole directory across either
# way, with nothing overwritten without a question, and a cut get resumed;
# Esc stops a transfer; m makes a directory and d deletes.
. "$(dirname "$0")/lib.sh"

start_agent
L=$T/local
R=$T/remote
mkdir -p "$L/tree/sub" "$R"
head -c 3000000 /dev/urandom >"$R/big.bin"
echo one >"$L/tree/a.txt"
echo two >"$L/tree/sub/b.txt"
echo mine >"$L/keep.txt"
echo theirs >"$R/keep.txt"

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected" "key ✔ ticket"
keys Down Down Down Down Enter
check_screen "Files shows both sides" "this machine .*agent"
keys c "$L" Enter
check_screen "c goes to a directory here" "$L"
keys Tab c "$R" Enter
check_screen "and on the agent" "$R"
check_screen "the agent's files are listed" "big.bin  *2.9M"

# get: agent -> here.
keys / big.bin Enter g
check_screen "g gets the file" "get big.bin: done"
check "the copy is intact" cmp -s "$R/big.bin" "$L/big.bin"
check "no .part is left" [ ! -e "$L/big.bin.part" ]

# An existing file: the question, Esc keeps it, o overwrites.
keys / keep.txt Enter g
check_screen "an existing file asks first" "keep.txt exists: o overwrites"
keys Escape
check_screen "Esc keeps it" "nothing copied"
check_eq "untouched" mine "$(cat "$L/keep.txt")"
keys g o
check_screen "o overwrites" "get keep.txt: done"
check_eq "overwritten" theirs "$(cat "$L/keep.txt")"

# A cut get is resumed with r.
head -c 1000000 "$R/big.bin" >"$L/big2.bin.part"
cp "$R/big.bin" "$R/big2.bin"
keys r
check_screen "r reloads" "big2.bin  *2.9M"
keys / big2 Enter g
check_screen "a cut copy offers to resume" "big2.bin was cut short: r resumes"
keys r
check_screen "r resumes it" "get big2.bin: done"
check "the resumed copy is intact" cmp -s "$R/big.bin" "$L/big2.bin"

# put a directory tree: here -> agent.
keys Tab / tree Enter g
check_screen "g puts a directory" "put tree: done"
check_eq "with its files" one "$(cat "$R/tree/a.txt")"
check_eq "and its subdirectories" two "$(cat "$R/tree/sub/b.txt")"
check_screen "the agent's side shows it" "tree  */"
keys / nothing Enter
check_screen "/ says when nothing matches" 'no "nothing" here'

# Esc stops a transfer: a get keeps its .part, a put leaves nothing. The
# files are sparse, 4 GiB each, too long to finish before the key.
truncate -s 4G "$R/huge.bin" "$L/huge.bin"
keys Tab r
check_screen "the agent's huge file is listed" "huge.bin  *4.0G"
echo mine >"$L/huge.bin"
keys / huge Enter g
check_screen "a get over an existing file asks first" "huge.bin exists: o over"
keys o
check_screen "a long get shows how to stop it" "get huge.bin .*Esc stops"
keys Escape
check_screen "Esc stops the get" \
    "get huge.bin: stopped; its .part is kept: copy it again and r resumes"
check_eq "the file it was to replace is untouched" mine "$(cat "$L/huge.bin")"
size=$(stat -c %s "$L/huge.bin.part" 2>/dev/null || echo 0)
check "part of it is kept" eval \
    "[ '$size' -gt 0 ] && [ '$size' -lt 4294967296 ]"
rm -f "$L/huge.bin.part"
truncate -s 4G "$L/huge.bin"
keys Tab / huge Enter g
check_screen "a put of an existing name asks first" "huge.bin exists: o over"
keys o
check_screen "a long put shows how to stop it" "put huge.bin .*Esc stops"
keys Escape
check_screen "Esc stops the put" \
    "put huge.bin: stopped; no .part is left on the agent"
check "the agent has no .part" [ ! -e "$R/huge.bin.part" ]
check_eq "and its file is untouched" 4294967296 "$(stat -c %s "$R/huge.bin")"
rm -f "$R/huge.bin" "$L/huge.bin"

# m makes a directory, d deletes: a file, a link (not what it points to),
# an empty directory; never a directory with something in it.
ln -s "$L/tree" "$L/link"
keys r m "new" Enter
check_screen "m makes a directory here" "new: made"
check "it is there" [ -d "$L/new" ]
keys m "new" Enter
check_screen "m refuses a name that exists" "new: exists"
keys m "a/b" Enter
check_screen "m refuses a path" '"a/b": give a name, without /'
keys / link Enter d
check_screen "d asks first, of the link itself" \
    "delete link on this machine[?] y deletes, Esc keeps it"
keys Escape
check_screen "Esc keeps it" "nothing deleted"
check "the link is still there" [ -L "$L/link" ]
keys d y
check_screen "y deletes the link" "link: deleted"
check "the link is gone" [ ! -L "$L/link" ]
check_eq "not what it pointed to" one "$(cat "$L/tree/a.txt")"
keys / new Enter d
check_screen "a directory is asked for with its /" \
    "delete new/ on this machine[?]"
keys y
check_screen "an empty directory is deleted" "new: deleted"
check "it is gone" [ ! -e "$L/new" ]
keys Tab r / tree Enter d y
check_screen "a directory with files in it is not deleted" \
    "tree: not deleted (not empty?): only an empty directory is deleted"
check_eq "and keeps them" two "$(cat "$R/tree/sub/b.txt")"
keys / keep.txt Enter d
check_screen "on the agent, d asks too" "delete keep.txt on the agent[?] y"
keys y
check_screen "y alone deletes the file, no Enter" "keep.txt: deleted"
check "the agent's file is gone" [ ! -e "$R/keep.txt" ]
keys m "made" Enter
check_screen "m makes a directory on the agent" "made: made"
check "there" [ -d "$R/made" ]

keys Escape q
check_screen "q leaves" "disconnected"
stop_agent
finish
