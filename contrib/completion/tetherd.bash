# bash completion for tetherd(8)                           -*- shell-script -*-
# SPDX-License-Identifier: ISC
#
# The agent's options, and its commands (wait, diagnose, drivers, keyboard,
# rescue-next-boot) with theirs.

# _tetherd_cmd CMD: the current word after the command CMD at words[1].
_tetherd_cmd()
{
	local n=$((cword - 1))
	case $1 in
	wait)
		case $prev in
		--state-dir) _filedir -d ;;
		--timeout) ;;
		*) [[ $cur == -* ]] && COMPREPLY=($(compgen -W \
		    '--state-dir --timeout -h --help' -- "$cur")) ;;
		esac
		;;
	diagnose)
		case $prev in
		-d) COMPREPLY=($(compgen -f -- "${cur:-/dev/}")) ;;
		*)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W '-d' -- "$cur"))
			else
				_filedir -d
			fi
			;;
		esac
		;;
	drivers)
		case $prev in
		-m | -s) _filedir -d ;;
		load) _filedir '@(ko|ko.xz|ko.zst)' ;;
		*)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W '-m -s' -- "$cur"))
			elif [[ ${words[cword - 1]} != load ]] &&
			    ! [[ " ${words[*]:2:n-1} " == *" load "* ]]; then
				COMPREPLY=($(compgen -W 'load' -- "$cur"))
			fi
			;;
		esac
		;;
	rescue-next-boot)
		case $prev in
		--boot-directory) _filedir -d ;;
		*) [[ $cur == -* ]] && COMPREPLY=($(compgen -W \
		    '--boot-directory' -- "$cur")) ;;
		esac
		;;
	keyboard)
		# The layouts built into the image (TETHER_KEYMAPS moves them).
		if ((n == 1)); then
			local d=${TETHER_KEYMAPS:-/usr/share/tether/keymaps} f
			local -a maps=("$d"/*.bmap)
			[[ -e ${maps[0]} ]] || return
			for f in "${maps[@]}"; do
				f=${f##*/}
				f=${f%.bmap}
				[[ $f == "$cur"* ]] && COMPREPLY+=("$f")
			done
		fi
		;;
	esac
}

_tetherd()
{
	local cur prev words cword split
	_init_completion -s || return

	case ${words[1]-} in
	wait | diagnose | drivers | keyboard | rescue-next-boot)
		if ((cword > 1)); then
			_tetherd_cmd "${words[1]}"
			return
		fi
		;;
	esac
	case $prev in
	-f | --config)
		_filedir '@(yaml|yml)'
		return
		;;
	--state-dir | --log-dir)
		_filedir -d
		return
		;;
	-b | --bind | -p | --port)
		return
		;;
	esac
	$split && return

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-b --bind -p --port -f --config -t -T -d
		    --debug --no-message --state-dir --log-dir -h --help -V
		    --version' -- "$cur"))
	elif ((cword == 1)); then
		COMPREPLY=($(compgen -W 'wait diagnose drivers keyboard
		    rescue-next-boot' -- "$cur"))
	fi
} &&
	complete -F _tetherd tetherd

# ex: filetype=sh
