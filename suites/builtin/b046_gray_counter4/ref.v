module TopModule (
  input        clk,
  input        reset,
  input        en,
  output [3:0] gray
);
  reg [3:0] bin;
  always @(posedge clk) begin
    if (reset)   bin <= 4'd0;
    else if (en) bin <= bin + 4'd1;
  end
  assign gray = bin ^ (bin >> 1);
endmodule
