// Equivalent, in Verilog against the VHDL reference (mixed): a mux tree over the shift amount.
module TopModule(input [7:0] data, input [2:0] amt, input [1:0] op, output [7:0] y);
  wire [7:0] l = data << amt;
  wire [7:0] r = data >> amt;
  wire [7:0] a = $signed(data) >>> amt;
  wire [7:0] rot = (data << amt) | (data >> (4'd8 - amt));
  assign y = op[1] ? (op[0] ? rot : a) : (op[0] ? r : l);
endmodule
