module TopModule (
  input      clk,
  input      reset,
  input      in,
  output reg rise,
  output reg fall
);
  reg prev;
  always @(posedge clk) begin
    if (reset) begin
      prev <= 1'b0;
      rise <= 1'b0;
      fall <= 1'b0;
    end else begin
      rise <= in & ~prev;
      fall <= ~in & prev;
      prev <= in;
    end
  end
endmodule
