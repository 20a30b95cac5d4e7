// Equivalent, in Verilog against the VHDL reference (mixed): one 7-bit count 0..99 split into digits would be
// wrong for the ports; instead the two digits with a shared wrap signal.
module TopModule(input clk, input reset, input en, output reg [3:0] tens, output reg [3:0] ones, output carry);
  wire ones_wrap = ones == 4'd9;
  always @(posedge clk)
    if (reset) {tens, ones} <= 8'h00;
    else if (en) begin
      ones <= ones_wrap ? 4'd0 : ones + 4'd1;
      if (ones_wrap) tens <= (tens == 4'd9) ? 4'd0 : tens + 4'd1;
    end
  assign carry = en & ones_wrap & (tens == 4'd9);
endmodule
