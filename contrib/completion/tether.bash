# bash completion for tether(1)                            -*- shell-script -*-
# SPDX-License-Identifier: ISC
#
# Options in the DaRT form (-ticket= -ipaddress= -port=) and the GNU form,
# the commands and their arguments. The names of the agent's tools (run)
# and offline systems (roots select) come from the agent itself, asked only
# when the ticket, address and port are all on the line, and given 2
# seconds: an agent that does not answer completes nothing.

# _tether_scan: from words[1..cword-1], the three connection values
# (_tether_ticket, _tether_ip, _tether_port) and the index of the command
# word (_tether_cmd), 0 while the current word is still an option or the
# command itself.
_tether_scan()
{
	local i w
	_tether_ticket= _tether_ip= _tether_port= _tether_cmd=0 _tether_relay=
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--)
			((i + 1 < cword)) && _tether_cmd=$((i + 1))
			return
			;;
		--ticket=*) _tether_ticket=${w#*=} ;;
		--ip=* | --ipaddress=*) _tether_ip=${w#*=} ;;
		--port=*) _tether_port=${w#*=} ;;
		--ticket) _tether_ticket=${words[++i]-} ;;
		--ip | --ipaddress) _tether_ip=${words[++i]-} ;;
		--port) _tether_port=${words[++i]-} ;;
		--relay=*) _tether_relay=${w#*=} ;;
		--relay) _tether_relay=${words[++i]-} ;;
		--discover-on | --reason) ((i++)) ;;
		-?*)
			# The DaRT forms take any case.
			case ${w,,} in
			-ticket=*) _tether_ticket=${w#*=} ;;
			-ipaddress=*) _tether_ip=${w#*=} ;;
			-port=*) _tether_port=${w#*=} ;;
			esac
			;;
		*)
			_tether_cmd=$i
			return
			;;
		esac
	done
}

# _tether_ask KEY VERB...: the values of the top-level list's KEY in the
# agent's answer to VERB, one a line; nothing unless all three values are
# on the line, and nothing after 2 seconds. Only plain names are kept, so
# nothing an agent sends can be taken as a pattern or an expansion.
_tether_ask()
{
	local key=$1 t=${_tether_ticket//[\'\"\\]/} ip=${_tether_ip//[\'\"\\]/}
	local port=${_tether_port//[\'\"\\]/} line
	local -a relay=()
	shift
	[[ -n $t && -n $ip && -n $port ]] || return
	[[ -n $_tether_relay ]] && relay=(--relay "${_tether_relay//[\'\"\\]/}")
	while IFS= read -r line; do
		[[ $line =~ ^-\ $key:\ ([A-Za-z0-9._+-]+)$ ]] &&
			printf '%s\n' "${BASH_REMATCH[1]}"
	done < <(timeout -k 1 2 "${words[0]}" "${relay[@]}" --ticket "$t" \
		--ip "$ip" --port "$port" "$@" </dev/null 2>/dev/null)
}

# _tether_reply WORD...: those of the words that start with $cur, taken as
# they are (compgen -W would expand them).
_tether_reply()
{
	local w
	for w; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _tether_args: the current word after the command at words[_tether_cmd].
_tether_args()
{
	local cmd=${words[_tether_cmd]} n=$((cword - _tether_cmd)) i plain=0
	case $cmd in
	run)
		if ((n == 1)); then
			local -a names
			mapfile -t names < <(_tether_ask name tools)
			_tether_reply "${names[@]}"
		elif [[ $cur == -* ]]; then
			_tether_reply --confirm=
			compopt -o nospace
		fi
		;;
	shell)
		if ((n == 1)); then
			_tether_reply --attach --watch
		elif ((n == 2)) && [[ ${words[_tether_cmd + 1]} == --attach ||
		    ${words[_tether_cmd + 1]} == --watch ]]; then
			local -a ids
			mapfile -t ids < <(_tether_ask id consoles)
			_tether_reply "${ids[@]}"
		fi
		;;
	roots)
		if ((n == 1)); then
			_tether_reply scan select release
		elif ((n == 2)) && [[ ${words[_tether_cmd + 1]} == select ]]; then
			local -a ids
			mapfile -t ids < <(_tether_ask id roots)
			_tether_reply "${ids[@]}"
		elif ((n == 3)) && [[ ${words[_tether_cmd + 1]} == select ]]; then
			_tether_reply --rw
		fi
		;;
	get | put)
		if [[ $cur == -* ]]; then
			_tether_reply -f --root
			[[ $cmd == get ]] && _tether_reply -c
			return
		fi
		for ((i = _tether_cmd + 1; i < cword; i++)); do
			[[ ${words[i]} == -* ]] || ((plain++))
		done
		# get REMOTE LOCAL, put LOCAL REMOTE: only the local one is here.
		if [[ $cmd == get && $plain == 1 || $cmd == put && $plain == 0 ]]
		then
			_filedir
		fi
		;;
	snapshot)
		case $prev in
		-o) _filedir ;;
		--format) _tether_reply png ppm txt ansi ;;
		*) [[ $cur == -* ]] && _tether_reply -o --format ;;
		esac
		;;
	esac
}

_tether()
{
	local cur prev words cword
	# '=' and ':' stay in the word: -ticket=..., IPv6 addresses.
	_init_completion -n =: || return

	_tether_scan
	if ((_tether_cmd > 0)); then
		_tether_args
		return
	fi
	case $prev in
	--ticket | --ip | --ipaddress | --reason) return ;;
	--relay)
		declare -F _known_hosts_real >/dev/null &&
			_known_hosts_real -a -- "$cur"
		return
		;;
	--port)
		_tether_reply 7022
		return
		;;
	--discover-on)
		local -a ifs=(/sys/class/net/*)
		[[ -e ${ifs[0]} ]] && _tether_reply "${ifs[@]##*/}"
		return
		;;
	esac
	case ${cur,,} in
	-port=* | --port=*)
		# bash replaces only what follows the '=' (COMP_WORDBREAKS).
		cur=${cur#*=}
		_tether_reply 7022
		;;
	-*=*) ;;
	-*)
		# The DaRT forms in any case, as typed so far.
		_tether_reply -ticket= -ipaddress= -port= --ticket --ip \
		    --ipaddress --port --discover-on --relay --reason --help \
		    --version -h -V
		if ((${#COMPREPLY[@]} == 0)); then
			local o
			for o in -ticket= -ipaddress= -port=; do
				[[ $o == "${cur,,}"* ]] && COMPREPLY+=("$o")
			done
		fi
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		;;
	*)
		_tether_reply shell consoles info tools roots run get put \
		    known-hosts snapshot end
		;;
	esac
} &&
	complete -F _tether tether

# ex: filetype=sh
