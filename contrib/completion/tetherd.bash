# bash completion for tetherd(8)                           -*- shell-script -*-
# SPDX-License-Identifier: ISC
#
# The agent's options, and its wait command with its own.

_tetherd()
{
	local cur prev words cword split
	_init_completion -s || return

	case $prev in
	-f | --config)
		_filedir '@(yaml|yml)'
		return
		;;
	--state-dir | --log-dir)
		_filedir -d
		return
		;;
	-b | --bind | -p | --port | --timeout)
		return
		;;
	esac
	$split && return

	if [[ ${words[1]-} == wait ]] && ((cword > 1)); then
		[[ $cur == -* ]] &&
			COMPREPLY=($(compgen -W '--state-dir --timeout -h --help' -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-b --bind -p --port -f --config -t -T -d
		    --debug --no-message --state-dir --log-dir -h --help -V
		    --version' -- "$cur"))
	elif ((cword == 1)); then
		COMPREPLY=($(compgen -W 'wait' -- "$cur"))
	fi
} &&
	complete -F _tetherd tetherd

# ex: filetype=sh
