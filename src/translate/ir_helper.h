/*
 * ir_helper.h — declaring a helper once: the macros a front end expands its
 * helpers.def with, to get each helper's C prototype and its const
 * struct ir_helper descriptor (ir.h) from one row.
 *
 * A row gives the helper's flags (enum ir_call_flags) and its result and
 * argument types as tokens:
 *   void      result only: none
 *   noreturn  result only: never returns (raises a guest exception); adds
 *             IR_CALL_NORETURN and makes the prototype NORETURN
 *   i32       uint32_t (a result is zero-extended to 64 bits)
 *   i64       uint64_t
 *   ptr       const void *, a host pointer
 *   env       argument only: void *, the CPU state; call sites pass ir_env()
 * At most IR_MAX_CALL_ARGS arguments, at least one.
 *
 * How a front end uses it (target/riscv: helpers.def, internal.h,
 * helper.c; docs/ir.md "Declaring a helper"):
 *   header   IR_HELPER_DECL(fn, info, ret, args...)     prototype + extern
 *   one .c   IR_HELPER_DEF(fn, info, "name", flags, ret, args...)
 *   calls    ir_call_helper(ctx, &info, ret_temp, arg temps...)
 * A descriptor is const, so nothing about a helper can differ between
 * call sites.  IR_HELPER_DEF checks at build time that fn has exactly the
 * row's C type, so a second descriptor of one function (other flags) can
 * not drift from it.
 */
#ifndef LOOM_TRANSLATE_IR_HELPER_H
#define LOOM_TRANSLATE_IR_HELPER_H

#include "translate/ir.h"

/* Per type token: C type, prototype attribute, enum ir_helper_type, and
 * the call flags it implies. */
#define IR_HT_C_void      void
#define IR_HT_C_noreturn  void
#define IR_HT_C_i32       uint32_t
#define IR_HT_C_i64       uint64_t
#define IR_HT_C_ptr       const void *
#define IR_HT_C_env       void *
#define IR_HT_ATTR_void
#define IR_HT_ATTR_noreturn NORETURN
#define IR_HT_ATTR_i32
#define IR_HT_ATTR_i64
#define IR_HT_ATTR_ptr
#define IR_HT_T_void      IR_HT_VOID
#define IR_HT_T_noreturn  IR_HT_VOID
#define IR_HT_T_i32       IR_HT_I32
#define IR_HT_T_i64       IR_HT_I64
#define IR_HT_T_ptr       IR_HT_PTR
#define IR_HT_T_env       IR_HT_ENV
#define IR_HT_F_void      0
#define IR_HT_F_noreturn  IR_CALL_NORETURN
#define IR_HT_F_i32       0
#define IR_HT_F_i64       0
#define IR_HT_F_ptr       0

#define IR_HT_CTYPE(t) IR_HT_C_##t
#define IR_HT_CODE(t)  IR_HT_T_##t

/* m(each argument), comma-separated; 1 to 6 arguments. */
#define IR_HT_MAP(m, ...) IR_HT_MAP_(IR_COUNT_ARGS(__VA_ARGS__), m, __VA_ARGS__)
#define IR_HT_MAP_(n, m, ...) IR_HT_MAP__(n, m, __VA_ARGS__)
#define IR_HT_MAP__(n, m, ...) IR_HT_MAP_##n(m, __VA_ARGS__)
#define IR_HT_MAP_1(m, a) m(a)
#define IR_HT_MAP_2(m, a, ...) m(a), IR_HT_MAP_1(m, __VA_ARGS__)
#define IR_HT_MAP_3(m, a, ...) m(a), IR_HT_MAP_2(m, __VA_ARGS__)
#define IR_HT_MAP_4(m, a, ...) m(a), IR_HT_MAP_3(m, __VA_ARGS__)
#define IR_HT_MAP_5(m, a, ...) m(a), IR_HT_MAP_4(m, __VA_ARGS__)
#define IR_HT_MAP_6(m, a, ...) m(a), IR_HT_MAP_5(m, __VA_ARGS__)

/* The prototype of fn and the declaration of its descriptor `info`. */
#define IR_HELPER_DECL(fn, info, ret, ...)                                  \
    IR_HT_ATTR_##ret IR_HT_C_##ret fn(IR_HT_MAP(IR_HT_CTYPE, __VA_ARGS__));  \
    extern const struct ir_helper info
/* Only the descriptor (a second one of a function declared elsewhere). */
#define IR_HELPER_DECL_INFO(info) extern const struct ir_helper info

/* The initializer of a descriptor (fn may be NULL if it is bound at run
 * time: see tr_set_lookup_tb_ptr). */
#define IR_HELPER_INIT(fn_, name_, flags_, rt, ...) {                       \
        .fn = (void *)(fn_), .name = (name_),                               \
        .flags = (uint8_t)((flags_) | IR_HT_F_##rt),                        \
        .ret = IR_HT_T_##rt, .nargs = IR_COUNT_ARGS(__VA_ARGS__),           \
        .args = { IR_HT_MAP(IR_HT_CODE, __VA_ARGS__) } }

/* The definition of descriptor `info` of fn, dumped as name_ (may be
 * preceded by `static`). */
#define IR_HELPER_DEF(fn, info, name_, flags_, ret, ...)                    \
    const struct ir_helper info =                                           \
        IR_HELPER_INIT(fn, name_, flags_, ret, __VA_ARGS__);                \
    _Static_assert(__builtin_types_compatible_p(__typeof__(fn),             \
                   IR_HT_C_##ret (IR_HT_MAP(IR_HT_CTYPE, __VA_ARGS__))),    \
                   #fn " does not have the types of its helper row")

#endif
