/*
 * elfsym.c — guest ELF code symbols (elfsym.h): collected from the first
 * SHT_SYMTAB and its linked string table, sorted by address, looked up by
 * binary search.
 */
#include "machine/elfsym.h"

#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct elfsym {
    uint64_t addr, end;      /* [addr, end) the symbol may cover */
    bool sized;              /* FUNC with st_size: end is exact */
    char *name;
};

static struct elfsym *syms;
static size_t nsyms;

static bool in_file(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

static int elfsym_cmp(const void *a, const void *b)
{
    const struct elfsym *x = a, *y = b;

    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* Same address: a sized FUNC after a label, so lookup prefers it. */
    return (int)x->sized - (int)y->sized;
}

void elfsym_free(void)
{
    for (size_t i = 0; i < nsyms; i++)
        free(syms[i].name);
    free(syms);
    syms = NULL;
    nsyms = 0;
}

/* A symbol name worth showing (and a bounded C string in the table). */
static const char *elfsym_name(const uint8_t *buf, const Elf64_Shdr *str,
                               uint32_t off)
{
    if (off >= str->sh_size)
        return NULL;
    const char *s = (const char *)buf + str->sh_offset + off;
    size_t max = str->sh_size - off;
    if (!memchr(s, '\0', max) || !*s || *s == '$' || !strncmp(s, ".L", 2))
        return NULL;
    return s;
}

int elfsym_load(const uint8_t *buf, size_t len)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

    elfsym_free();
    if (len < sizeof(*eh) || memcmp(buf, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), len))
        return 0;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
    const Elf64_Shdr *symtab = NULL;
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (sh[i].sh_type == SHT_SYMTAB) {
            symtab = &sh[i];
            break;
        }
    if (!symtab || symtab->sh_link >= eh->e_shnum ||
        symtab->sh_entsize != sizeof(Elf64_Sym) ||
        !in_file(symtab->sh_offset, symtab->sh_size, len))
        return 0;
    const Elf64_Shdr *str = &sh[symtab->sh_link];
    if (!in_file(str->sh_offset, str->sh_size, len))
        return 0;

    size_t count = symtab->sh_size / sizeof(Elf64_Sym);
    const Elf64_Sym *st = (const Elf64_Sym *)(buf + symtab->sh_offset);
    syms = calloc(count ? count : 1, sizeof(*syms));
    if (!syms)
        return -1;
    for (size_t i = 0; i < count; i++) {
        unsigned type = ELF64_ST_TYPE(st[i].st_info);
        unsigned shndx = st[i].st_shndx;
        if ((type != STT_FUNC && type != STT_NOTYPE) || shndx == SHN_UNDEF ||
            shndx >= eh->e_shnum || !(sh[shndx].sh_flags & SHF_EXECINSTR))
            continue;
        const char *name = elfsym_name(buf, str, st[i].st_name);
        if (!name)
            continue;
        struct elfsym *s = &syms[nsyms];
        s->addr = st[i].st_value;
        s->sized = type == STT_FUNC && st[i].st_size;
        s->end = s->sized ? s->addr + st[i].st_size
                          : sh[shndx].sh_addr + sh[shndx].sh_size;
        s->name = strdup(name);
        if (!s->name) {
            elfsym_free();
            return -1;
        }
        nsyms++;
    }
    qsort(syms, nsyms, sizeof(*syms), elfsym_cmp);
    /* An unsized label reaches at most to the next symbol. */
    for (size_t i = 0; i + 1 < nsyms; i++)
        if (!syms[i].sized && syms[i + 1].addr > syms[i].addr &&
            syms[i].end > syms[i + 1].addr)
            syms[i].end = syms[i + 1].addr;
    return (int)nsyms;
}

const char *elfsym_lookup(uint64_t pc, uint64_t *off)
{
    size_t lo = 0, hi = nsyms;

    /* Last symbol with addr <= pc. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (syms[mid].addr <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Walk back over equal or nested entries for one that covers pc. */
    for (size_t i = lo; i-- > 0;) {
        if (pc < syms[i].end) {
            *off = pc - syms[i].addr;
            return syms[i].name;
        }
        if (lo - i > 8)
            break;
    }
    return NULL;
}
