// Equivalent, in Verilog against the VHDL reference (mixed): the last two input bits with a valid count.
module seqdet(input clk, input rst_n, input din, output hit);
  reg [1:0] st;  // 0 idle, 1 saw 1, 2 saw 10
  always @(posedge clk or negedge rst_n)
    if (!rst_n) st <= 2'd0;
    else case (st)
      2'd0: st <= din ? 2'd1 : 2'd0;
      2'd1: st <= din ? 2'd1 : 2'd2;
      default: st <= din ? 2'd1 : 2'd0;
    endcase
  assign hit = (st == 2'd2) & din;
endmodule
