"""ctypes binding of the reference models' shared library (tb/cocotb/scoreboard.c over model/engine/tile_ref,
tile_cost, dispatch_table and model/analog/periphery_analog).  Signals cross by RTL port name; nothing of the
models is re-implemented here."""
import ctypes
import os

_lib = None

CTRL, DAC, ADC, TILE = 0, 1, 2, 3

U16P = ctypes.POINTER(ctypes.c_uint16)
I16P = ctypes.POINTER(ctypes.c_int16)
U32P = ctypes.POINTER(ctypes.c_uint32)
U64P = ctypes.POINTER(ctypes.c_uint64)


def lib():
    global _lib
    if _lib is None:
        path = os.environ["AIMC_SCOREBOARD_LIB"]
        L = ctypes.CDLL(path)
        sig = {
            "aimc_sb_inputs": (ctypes.c_uint32, [ctypes.c_int]),
            "aimc_sb_outputs": (ctypes.c_uint32, [ctypes.c_int]),
            "aimc_sb_input_name": (ctypes.c_char_p, [ctypes.c_int, ctypes.c_uint32]),
            "aimc_sb_output_name": (ctypes.c_char_p, [ctypes.c_int, ctypes.c_uint32]),
            "aimc_sb_max_adcs": (ctypes.c_uint32, []),
            "aimc_sb_ref_create": (ctypes.c_void_p, [ctypes.c_int, ctypes.c_uint32]),
            "aimc_sb_ref_destroy": (None, [ctypes.c_void_p]),
            "aimc_sb_ref_cycle": (None, [ctypes.c_void_p, U64P, I16P, ctypes.c_uint32, U64P, U64P]),
            "aimc_sb_ref_sar": (None, [ctypes.c_void_p, U16P, ctypes.c_uint32]),
            "aimc_sb_adc_create": (ctypes.c_void_p, [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_double]),
            "aimc_sb_adc_destroy": (None, [ctypes.c_void_p]),
            "aimc_sb_adc_lsb": (ctypes.c_double, [ctypes.c_void_p]),
            "aimc_sb_adc_compare": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_double, ctypes.c_uint32]),
            "aimc_sb_adc_sar_code": (ctypes.c_uint32, [ctypes.c_void_p, ctypes.c_double]),
            "aimc_sb_adc_quantize": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_double, ctypes.POINTER(ctypes.c_int)]),
            "aimc_sb_compute_cycles": (ctypes.c_uint32, [ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32,
                                                         ctypes.c_uint32, ctypes.c_uint32, I16P, ctypes.c_uint32]),
            "aimc_sb_mvm_phases": (None, [ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
                                          ctypes.c_uint32, I16P, ctypes.c_uint32, U32P]),
            "aimc_sb_latency_cycles": (ctypes.c_uint64, [ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32]),
            "aimc_sb_mvm_events": (None, [ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
                                          ctypes.c_uint32, I16P, U64P]),
            "aimc_sb_table_create": (ctypes.c_void_p, [ctypes.c_uint32] * 3),
            "aimc_sb_table_destroy": (None, [ctypes.c_void_p]),
            "aimc_sb_table_add": (ctypes.c_int, [ctypes.c_void_p] + [ctypes.c_uint32] * 5),
            "aimc_sb_table_finish": (None, [ctypes.c_void_p]),
            "aimc_sb_table_blocks": (ctypes.c_uint32, [ctypes.c_void_p]),
            "aimc_sb_table_first": (ctypes.c_uint32, [ctypes.c_void_p] + [ctypes.c_uint32] * 3),
            "aimc_sb_table_entry": (ctypes.c_uint32, [ctypes.c_void_p] + [ctypes.c_uint32] * 3 + [U32P, U32P,
                                                                                              ctypes.c_uint32]),
        }
        for name, (res, args) in sig.items():
            f = getattr(L, name)
            f.restype = res
            f.argtypes = args
        _lib = L
    return _lib


def _codes(codes):
    codes = list(codes or [])
    return (ctypes.c_int16 * max(1, len(codes)))(*codes), len(codes)


class BlockRef:
    """The cycle-by-cycle reference of one block (engine/tile_ref.h): cycle(inputs by port name, codes, cmp)
    returns the block's outputs during that cycle by port name, then takes the rising edge."""

    def __init__(self, block, tiers):
        L = lib()
        self.block = block
        self.h = L.aimc_sb_ref_create(block, tiers)
        self.inputs = [L.aimc_sb_input_name(block, i).decode() for i in range(L.aimc_sb_inputs(block))]
        self.outputs = [L.aimc_sb_output_name(block, i).decode() for i in range(L.aimc_sb_outputs(block))]
        self._in = (ctypes.c_uint64 * len(self.inputs))()
        self._out = (ctypes.c_uint64 * len(self.outputs))()
        self._words = L.aimc_sb_max_adcs() // 64
        self._cmp = (ctypes.c_uint64 * self._words)()
        self._codes, self._ncodes = _codes([])

    def set_codes(self, codes):
        """The late DAC codes (rows 0 ..), kept until set again like the RTL port."""
        self._codes, self._ncodes = _codes(codes)

    def set_cmp(self, bits):
        """The late comparator decisions, bit a = converter a, kept until set again."""
        for w in range(self._words):
            self._cmp[w] = (bits >> (64 * w)) & ((1 << 64) - 1)

    def cycle(self, inputs):
        for i, n in enumerate(self.inputs):
            self._in[i] = int(inputs[n])
        lib().aimc_sb_ref_cycle(self.h, self._in, self._codes, self._ncodes, self._cmp, self._out)
        return dict(zip(self.outputs, self._out))

    def sar(self, n):
        buf = (ctypes.c_uint16 * n)()
        lib().aimc_sb_ref_sar(self.h, buf, n)
        return list(buf)


class Adc:
    """The analog model's converter (analog/periphery_analog.h): comparator, SAR and ideal quantizer."""

    def __init__(self, b_in_bits, b_out_bits, full_scale=1.0):
        self.h = lib().aimc_sb_adc_create(b_in_bits, b_out_bits, full_scale)
        self.b_out = b_out_bits
        self.lsb = lib().aimc_sb_adc_lsb(self.h)

    def compare(self, v, trial):
        return lib().aimc_sb_adc_compare(self.h, v, trial)

    def sar_code(self, v):
        return lib().aimc_sb_adc_sar_code(self.h, v)

    def saturated(self, v):
        s = ctypes.c_int(0)
        lib().aimc_sb_adc_quantize(self.h, v, ctypes.byref(s))
        return bool(s.value)

    def __del__(self):
        if _lib is not None and self.h:
            _lib.aimc_sb_adc_destroy(self.h)


def compute_cycles(bit_serial, b_in, b_out, mux, integrate, codes):
    """K of an MVM with these codes (engine/tile_cost.h)."""
    c, n = _codes(codes)
    return lib().aimc_sb_compute_cycles(int(bit_serial), b_in, b_out, mux, integrate, c, n)


def mvm_phases(bit_serial, b_in, b_out, mux, integrate, codes):
    """{drive, integrate, convert, idle} cycles of an MVM with these codes (engine/tile_cost.h)."""
    c, n = _codes(codes)
    out = (ctypes.c_uint32 * 4)()
    lib().aimc_sb_mvm_phases(int(bit_serial), b_in, b_out, mux, integrate, c, n, out)
    return dict(zip(["drive", "integrate", "convert", "idle"], out))


def latency_cycles(switches, switch_cycles, compute):
    return lib().aimc_sb_latency_cycles(int(switches), switch_cycles, compute)


def mvm_events(bit_serial, b_in, rows, adcs, mux, codes):
    """{dac_conversions, drive_pulses, integrations, conversions, buffer_accesses} of an MVM (tile_cost.h)."""
    c, _ = _codes(codes)
    out = (ctypes.c_uint64 * 5)()
    lib().aimc_sb_mvm_events(int(bit_serial), b_in, rows, adcs, mux, c, out)
    return dict(zip(["dac_conversions", "drive_pulses", "integrations", "conversions", "buffer_accesses"], out))


class DispatchTable:
    """engine/dispatch_table.h: what the dispatcher's mapping memory holds and how a command expands."""

    def __init__(self, layers, units, phases):
        self.h = lib().aimc_sb_table_create(layers, units, phases)
        self.layers, self.units, self.phases = layers, units, phases

    def add(self, layer, unit, phase, tile, tier):
        if lib().aimc_sb_table_add(self.h, layer, unit, phase, tile, tier) != 0:
            raise ValueError("dispatch table refused a block")

    def finish(self):
        lib().aimc_sb_table_finish(self.h)

    def blocks(self):
        return lib().aimc_sb_table_blocks(self.h)

    def first(self, layer, unit, phase):
        return lib().aimc_sb_table_first(self.h, layer, unit, phase)

    def entry(self, layer, unit, phase):
        """[(tile, tier)] of the entry, in expansion order."""
        tiles = (ctypes.c_uint32 * 4096)()
        tiers = (ctypes.c_uint32 * 4096)()
        n = lib().aimc_sb_table_entry(self.h, layer, unit, phase, tiles, tiers, 4096)
        return [(tiles[i], tiers[i]) for i in range(n)]
