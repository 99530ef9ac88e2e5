# bash completion for hivehunt. Commands and options come from the
# binary's own --help at completion time, so they follow the installed
# version; option arguments complete as files unless listed below.
_hivehunt()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local bin=${COMP_WORDS[0]} cmd="" i

    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        local cmds
        cmds=$("$bin" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return
    fi

    case $prev in
        --format|-f)
            local formats
            formats=$("$bin" "$cmd" --help 2>/dev/null | sed -n 's/.*--format \([a-z|]*\).*/\1/p' | head -n 1)
            COMPREPLY=($(compgen -W "${formats//|/ }" -- "$cur")); return ;;
        --fail-on)
            COMPREPLY=($(compgen -W "info low medium high critical" -- "$cur")); return ;;
        --plugin)
            local names
            names=$("$bin" plugins 2>/dev/null | awk 'NR > 1 { print $1 }')
            COMPREPLY=($(compgen -W "$names" -- "$cur")); return ;;
        --plugin-dir|--output|-o)
            [[ $cmd == case || $prev == --plugin-dir ]] && { COMPREPLY=($(compgen -d -- "$cur")); return; } ;;
        --since|--until|--arg|--host|--jobs|--max-memory|--max-cpu|--max-instructions|--timeout)
            COMPREPLY=(); return ;;
    esac

    if [[ $cur == -* ]]; then
        local opts
        opts=$("$bin" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
        return
    fi
    if [[ $cmd == case ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -o bashdefault -F _hivehunt hivehunt
