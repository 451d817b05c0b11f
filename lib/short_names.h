/*
 * The short names pvmmu's own code calls its public API by.
 *
 * Every public symbol, type and macro of include/xen/pvmmu/ carries a pvmmu_ /
 * PVMMU_ prefix, so that the layer compiles and links beside a kernel that has its
 * own pte_t, PAGE_SIZE or set_pte (docs/embedding.md).  pvmmu's core, kernels,
 * workloads and tests were written with the short names and keep them through
 * this header: each line maps one short name to its public one.  Only #defines,
 * so it may come before any header: the core's private headers include it (through
 * lib/lib_int.h), and the project's other code has it forced in by its CFLAGS
 * (-include lib/short_names.h).  Never installed, never seen by an embedder.
 *
 * Generated from the public headers' declarations; tools/check-public-api.sh
 * fails if a public name has no line here or a line names no public declaration.
 */
#ifndef PVMMU_SHORT_NAMES_H
#define PVMMU_SHORT_NAMES_H


/* <xen/pvmmu/aspace.h> */
#define ASPACE_MAX PVMMU_ASPACE_MAX
#define TABLE_FLAGS PVMMU_TABLE_FLAGS
#define aspace pvmmu_aspace
#define aspace_adopt_kernel pvmmu_aspace_adopt_kernel
#define aspace_create pvmmu_aspace_create
#define aspace_current pvmmu_aspace_current
#define aspace_vcpu_up pvmmu_aspace_vcpu_up
#define aspace_vcpu_down pvmmu_aspace_vcpu_down
#define aspace_destroy pvmmu_aspace_destroy
#define aspace_exists pvmmu_aspace_exists
#define aspace_fork pvmmu_aspace_fork
#define aspace_kernel pvmmu_aspace_kernel
#define aspace_is_pinned pvmmu_aspace_is_pinned
#define aspace_pin pvmmu_aspace_pin
#define aspace_root pvmmu_aspace_root
#define aspace_switch pvmmu_aspace_switch
#define aspace_unpin pvmmu_aspace_unpin
#define pin_all pvmmu_pin_all
#define registry_count pvmmu_registry_count
#define registry_first pvmmu_registry_first
#define registry_next pvmmu_registry_next
#define unpin_all pvmmu_unpin_all

/* <xen/pvmmu/layout.h> (struct pvmmu_layout keeps its prefix: "layout" is too common a name) */
#define layout_get pvmmu_layout_get
#define layout_init pvmmu_layout_init
#define layout_slot_is_space pvmmu_layout_slot_is_space
#define layout_va_range_in_space pvmmu_layout_va_range_in_space

/* <xen/pvmmu/backend.h> */
#define mmu_backend pvmmu_mmu_backend
#define pv_backend pvmmu_pv_backend

/* <xen/pvmmu/frame.h> */
#define INVALID_MFN PVMMU_INVALID_MFN
#define INVALID_MFN_RAW PVMMU_INVALID_MFN_RAW
#define INVALID_PFN PVMMU_INVALID_PFN
#define INVALID_PFN_RAW PVMMU_INVALID_PFN_RAW
#define PAGE_SHIFT PVMMU_PAGE_SHIFT
#define PAGE_SIZE PVMMU_PAGE_SIZE
#define _mfn pvmmu_mfn
#define _pfn pvmmu_pfn
#define maddr_to_mfn pvmmu_maddr_to_mfn
#define mfn_eq pvmmu_mfn_eq
#define mfn_t pvmmu_mfn_t
#define mfn_to_maddr pvmmu_mfn_to_maddr
#define mfn_valid_value pvmmu_mfn_valid_value
#define mfn_x pvmmu_mfn_x
#define pfn_eq pvmmu_pfn_eq
#define pfn_t pvmmu_pfn_t
#define pfn_valid_value pvmmu_pfn_valid_value
#define pfn_x pvmmu_pfn_x

/* <xen/pvmmu/mmu.h> */
#define PROT_NOACCESS PVMMU_PROT_NOACCESS
#define PROT_READ_ONLY PVMMU_PROT_READ_ONLY
#define PROT_READ_WRITE PVMMU_PROT_READ_WRITE
#define entry_find pvmmu_entry_find
#define entry_read pvmmu_entry_read
#define entry_slot pvmmu_entry_slot
#define mmu_flush_tlb pvmmu_mmu_flush_tlb
#define mmu_invlpg pvmmu_mmu_invlpg
#define mmu_lookup pvmmu_mmu_lookup
#define mmu_map pvmmu_mmu_map
#define mmu_map_range pvmmu_mmu_map_range
#define mmu_prot pvmmu_mmu_prot
#define mmu_prot_valid pvmmu_mmu_prot_valid
#define mmu_protect_range pvmmu_mmu_protect_range
#define mmu_unmap_range pvmmu_mmu_unmap_range
#define mmu_update_va_mapping pvmmu_mmu_update_va_mapping
#define mpte_linked_pfn pvmmu_mpte_linked_pfn
#define mpte_to_pte pvmmu_mpte_to_pte
#define pte_to_mpte pvmmu_pte_to_mpte
#define set_pgd pvmmu_set_pgd
#define set_pmd pvmmu_set_pmd
#define set_pte pvmmu_set_pte
#define set_pte_preserve_ad pvmmu_set_pte_preserve_ad
#define set_pud pvmmu_set_pud
#define table_entry pvmmu_table_entry

/* <xen/pvmmu/multicall.h> */
#define MC_ARG_BYTES PVMMU_MC_ARG_BYTES
#define MC_MAX_CALLBACKS PVMMU_MC_MAX_CALLBACKS
#define MC_MAX_ENTRIES PVMMU_MC_MAX_ENTRIES
#define lazy_mmu_active pvmmu_lazy_mmu_active
#define lazy_mmu_depth pvmmu_lazy_mmu_depth
#define lazy_mmu_enter pvmmu_lazy_mmu_enter
#define lazy_mmu_flush pvmmu_lazy_mmu_flush
#define lazy_mmu_leave pvmmu_lazy_mmu_leave
#define lazy_mmu_leave_after pvmmu_lazy_mmu_leave_after
#define mc_callback pvmmu_mc_callback
#define mc_callback_fn pvmmu_mc_callback_fn
#define mc_flush pvmmu_mc_flush
#define mc_issue pvmmu_mc_issue
#define mc_mmu_update pvmmu_mc_mmu_update
#define mc_mmuext pvmmu_mc_mmuext
#define mc_pending pvmmu_mc_pending
#define mc_reset pvmmu_mc_reset
#define mc_stats pvmmu_mc_stats
#define mc_stats_reset pvmmu_mc_stats_reset
#define mc_update_va_mapping pvmmu_mc_update_va_mapping
#define mmuext_cmd_name pvmmu_mmuext_cmd_name

/* <xen/pvmmu/p2m.h> */
#define M2P_FOREIGN PVMMU_M2P_FOREIGN
#define M2P_HOLE PVMMU_M2P_HOLE
#define M2P_IDENTITY PVMMU_M2P_IDENTITY
#define M2P_OK PVMMU_M2P_OK
#define M2P_OUT_OF_RANGE PVMMU_M2P_OUT_OF_RANGE
#define M2P_STALE PVMMU_M2P_STALE
#define P2M_BACKING_IDENTITY PVMMU_P2M_BACKING_IDENTITY
#define P2M_BACKING_MISSING PVMMU_P2M_BACKING_MISSING
#define P2M_BACKING_OUT_OF_RANGE PVMMU_P2M_BACKING_OUT_OF_RANGE
#define P2M_BACKING_OWN PVMMU_P2M_BACKING_OWN
#define P2M_LEAVES_PER_MID PVMMU_P2M_LEAVES_PER_MID
#define P2M_MAX_PFNS PVMMU_P2M_MAX_PFNS
#define P2M_LIST_MAX_PFNS PVMMU_P2M_LIST_MAX_PFNS
#define P2M_MIDS_PER_TOP PVMMU_P2M_MIDS_PER_TOP
#define P2M_PER_LEAF PVMMU_P2M_PER_LEAF
#define m2p_init pvmmu_m2p_init
#define m2p_lookup pvmmu_m2p_lookup
#define m2p_max_mfn pvmmu_m2p_max_mfn
#define m2p_status pvmmu_m2p_status
#define m2p_status_name pvmmu_m2p_status_name
#define p2m_backing pvmmu_p2m_backing
#define p2m_backing_of pvmmu_p2m_backing_of
#define p2m_extent pvmmu_p2m_extent
#define p2m_frame_list_read pvmmu_p2m_frame_list_read
#define p2m_tools_format_name pvmmu_p2m_tools_format_name
#define p2m_tools_choose pvmmu_p2m_tools_choose
#define p2m_tools_format pvmmu_p2m_tools_format
#define P2M_TOOLS_TREE PVMMU_P2M_TOOLS_TREE
#define P2M_TOOLS_LIST PVMMU_P2M_TOOLS_LIST
#define p2m_list_generation pvmmu_p2m_list_generation
#define p2m_list_read pvmmu_p2m_list_read
#define p2m_init pvmmu_p2m_init
#define p2m_linear pvmmu_p2m_linear
#define p2m_lookup pvmmu_p2m_lookup
#define p2m_lookup_slow pvmmu_p2m_lookup_slow
#define p2m_map_mfn_fn pvmmu_p2m_map_mfn_fn
#define p2m_max_pfns pvmmu_p2m_max_pfns
#define p2m_own_leaves pvmmu_p2m_own_leaves
#define p2m_publish pvmmu_p2m_publish
#define p2m_set pvmmu_p2m_set
#define p2m_set_identity pvmmu_p2m_set_identity

/* <xen/pvmmu/platform.h> */
#define direct_map_l1e_maddr pvmmu_direct_map_l1e_maddr
#define frame_alloc pvmmu_frame_alloc
#define frame_free pvmmu_frame_free
#define hv_memory_op pvmmu_hv_memory_op
#define hv_mmu_update pvmmu_hv_mmu_update
#define hv_mmuext_op pvmmu_hv_mmuext_op
#define hv_multicall pvmmu_hv_multicall
#define hv_update_va_mapping pvmmu_hv_update_va_mapping
#define m2p_read_raw pvmmu_m2p_read_raw
#define p2m_window_map pvmmu_p2m_window_map
#define p2m_window_reserve pvmmu_p2m_window_reserve
#define pfn_to_virt pvmmu_pfn_to_virt
#define platform_log pvmmu_platform_log
#define platform_vcpu_id pvmmu_platform_vcpu_id
#define platform_call_function pvmmu_platform_call_function
#define virt_to_pfn pvmmu_virt_to_pfn

/* <xen/pvmmu/pte.h> */
#define L4_KERNEL_FIRST PVMMU_L4_KERNEL_FIRST
#define L4_KERNEL_LAST PVMMU_L4_KERNEL_LAST
#define L4_USER_FIRST PVMMU_L4_USER_FIRST
#define L4_USER_LAST PVMMU_L4_USER_LAST
#define L4_XEN_FIRST PVMMU_L4_XEN_FIRST
#define L4_XEN_LAST PVMMU_L4_XEN_LAST
#define PTE_ADDR_MASK PVMMU_PTE_ADDR_MASK
#define PTE_FLAGS_MASK PVMMU_PTE_FLAGS_MASK
#define PTE_NONE PVMMU_PTE_NONE
#define PT_ENTRIES PVMMU_PT_ENTRIES
#define PT_ENTRY_SHIFT PVMMU_PT_ENTRY_SHIFT
#define PT_LEVELS PVMMU_PT_LEVELS
#define USER_HALF_END PVMMU_USER_HALF_END
#define _PAGE_ACCESSED PVMMU_PAGE_ACCESSED
#define _PAGE_AVAIL0 PVMMU_PAGE_AVAIL0
#define _PAGE_DIRTY PVMMU_PAGE_DIRTY
#define _PAGE_GLOBAL PVMMU_PAGE_GLOBAL
#define _PAGE_NX PVMMU_PAGE_NX
#define _PAGE_PCD PVMMU_PAGE_PCD
#define _PAGE_PRESENT PVMMU_PAGE_PRESENT
#define _PAGE_PSE PVMMU_PAGE_PSE
#define _PAGE_PWT PVMMU_PAGE_PWT
#define _PAGE_RW PVMMU_PAGE_RW
#define _PAGE_USER PVMMU_PAGE_USER
#define l4_slot_is_user pvmmu_l4_slot_is_user
#define l4_slot_is_xen pvmmu_l4_slot_is_xen
#define mpte_flags pvmmu_mpte_flags
#define mpte_make pvmmu_mpte_make
#define mpte_mfn pvmmu_mpte_mfn
#define mpte_present pvmmu_mpte_present
#define mpte_t pvmmu_mpte_t
#define pt_entry_span pvmmu_pt_entry_span
#define pt_index pvmmu_pt_index
#define pte_flags pvmmu_pte_flags
#define pte_make pvmmu_pte_make
#define pte_none pvmmu_pte_none
#define pte_pfn pvmmu_pte_pfn
#define pte_present pvmmu_pte_present
#define pte_t pvmmu_pte_t
#define va_canonical pvmmu_va_canonical
#define va_range_in_user_half pvmmu_va_range_in_user_half

/* <xen/pvmmu/shadow.h> */
#define PF_INSTR PVMMU_PF_INSTR
#define PF_PROT PVMMU_PF_PROT
#define PF_RSVD PVMMU_PF_RSVD
#define PF_USER PVMMU_PF_USER
#define PF_WRITE PVMMU_PF_WRITE
#define SHADOW_CACHE_MAX PVMMU_SHADOW_CACHE_MAX
#define SHADOW_EVICT_ADAPTIVE PVMMU_SHADOW_EVICT_ADAPTIVE
#define SHADOW_EVICT_LRU PVMMU_SHADOW_EVICT_LRU
#define SHADOW_EVICT_RANDOM PVMMU_SHADOW_EVICT_RANDOM
#define SHADOW_FIXED PVMMU_SHADOW_FIXED
#define SHADOW_GUEST_PFNS_MAX PVMMU_SHADOW_GUEST_PFNS_MAX
#define SHADOW_KILLED PVMMU_SHADOW_KILLED
#define SHADOW_POOL_MAX PVMMU_SHADOW_POOL_MAX
#define SHADOW_PREFETCH_WINDOW PVMMU_SHADOW_PREFETCH_WINDOW
#define SHADOW_REFLECT PVMMU_SHADOW_REFLECT
#define shadow_backend pvmmu_shadow_backend
#define shadow_cached_roots pvmmu_shadow_cached_roots
#define shadow_clear_all pvmmu_shadow_clear_all
#define shadow_config pvmmu_shadow_config
#define shadow_cr3 pvmmu_shadow_cr3
#define shadow_default_config pvmmu_shadow_default_config
#define shadow_demand_page pvmmu_shadow_demand_page
#define shadow_evict pvmmu_shadow_evict
#define shadow_fault pvmmu_shadow_fault
#define shadow_flush_user pvmmu_shadow_flush_user
#define shadow_forget_root pvmmu_shadow_forget_root
#define shadow_guest_current pvmmu_shadow_guest_current
#define shadow_guest_dead pvmmu_shadow_guest_dead
#define shadow_guest_entry pvmmu_shadow_guest_entry
#define shadow_guest_forget pvmmu_shadow_guest_forget
#define shadow_guest_init pvmmu_shadow_guest_init
#define shadow_guest_kernel pvmmu_shadow_guest_kernel
#define shadow_guest_map_kernel pvmmu_shadow_guest_map_kernel
#define shadow_hold_root pvmmu_shadow_hold_root
#define shadow_init pvmmu_shadow_init
#define shadow_invlpg pvmmu_shadow_invlpg
#define shadow_is_host_frame pvmmu_shadow_is_host_frame
#define shadow_kill_guest pvmmu_shadow_kill_guest
#define shadow_kill_reason pvmmu_shadow_kill_reason
#define shadow_lguest_config pvmmu_shadow_lguest_config
#define shadow_linear_mode pvmmu_shadow_linear_mode
#define shadow_new_root pvmmu_shadow_new_root
#define shadow_pool_free pvmmu_shadow_pool_free
#define shadow_release_root pvmmu_shadow_release_root
#define shadow_reserve_host_frame pvmmu_shadow_reserve_host_frame
#define shadow_reset_stats pvmmu_shadow_reset_stats
#define shadow_set_host_l4e pvmmu_shadow_set_host_l4e
#define shadow_set_pgd pvmmu_shadow_set_pgd
#define shadow_set_pmd pvmmu_shadow_set_pmd
#define shadow_set_pte pvmmu_shadow_set_pte
#define shadow_set_pud pvmmu_shadow_set_pud
#define shadow_shutdown pvmmu_shadow_shutdown
#define shadow_sroot_of pvmmu_shadow_sroot_of
#define shadow_stats pvmmu_shadow_stats
#define shadow_tlb_flush_needed pvmmu_shadow_tlb_flush_needed

/* <xen/pvmmu/suspend.h> */
#define SUSPEND_CANCELLED PVMMU_SUSPEND_CANCELLED
#define SUSPEND_FAILED PVMMU_SUSPEND_FAILED
#define SUSPEND_RESUMED PVMMU_SUSPEND_RESUMED
#define start_info_rings_to_mfns pvmmu_start_info_rings_to_mfns
#define start_info_rings_to_pfns pvmmu_start_info_rings_to_pfns
#define suspend_and_resume pvmmu_suspend_and_resume
#define suspend_outcome pvmmu_suspend_outcome
#define suspend_report pvmmu_suspend_report
#define suspend_steps pvmmu_suspend_steps

#endif
